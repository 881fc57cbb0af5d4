/**
 * Segments (docs/console.md, docs/segments.md): build a definition and see its live count and first guests,
 * save it; the saved segments, each with its paged guests and CSV; the requalification forecast. The pages
 * are in console/src/pages/segments/.
 */
import { useTranslation } from 'react-i18next';
import { NavLink, Route, Routes } from 'react-router';
import { EditSegment, NewSegment } from './segments/builder';
import { ForecastTab } from './segments/forecast';
import { SavedSegments, SegmentDetail } from './segments/saved';

export function SegmentsPage() {
  const { t } = useTranslation();
  const tabs: [string, string, boolean][] = [
    ['/marketing/segments', t('segments.tab.build'), true],
    ['/marketing/segments/saved', t('segments.tab.saved'), false],
    ['/marketing/segments/forecast', t('segments.tab.forecast'), false],
  ];
  return (
    <div className="seg-page" data-testid="segments-page">
      <nav className="tabs seg-tabs" aria-label={t('segments.title')}>
        <h2 className="seg-title">{t('segments.title')}</h2>
        {tabs.map(([to, label, end]) => (
          <NavLink key={to} to={to} end={end} className={({ isActive }) => (isActive ? 'tab active' : 'tab')}>
            {label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<NewSegment />} />
        <Route path="saved" element={<SavedSegments />} />
        <Route path="forecast" element={<ForecastTab />} />
        <Route path=":id" element={<SegmentDetail />} />
        <Route path=":id/edit" element={<EditSegment />} />
      </Routes>
    </div>
  );
}

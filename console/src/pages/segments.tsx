/** Segments (docs/console.md). */
import { useTranslation } from 'react-i18next';

export function SegmentsPage() {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="segments-page">
      <h2>{t('segments.title')}</h2>
    </section>
  );
}

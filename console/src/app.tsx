/** The console's routes, behind the sign-in; each page shows only what the signed-in role may do. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { setLanguage, type Language } from './i18n';
import { zoneLabel } from './format';
import { ArrivalsPage } from './pages/arrivals';
import { CadencesPage } from './pages/cadences';
import { CampaignsPage } from './pages/campaigns';
import { DashboardPage } from './pages/dashboard';
import { ImportPage } from './pages/import';
import { PmsSyncPage } from './pages/pms-sync';
import { PrivacyPage } from './pages/privacy';
import { RulesPage } from './pages/rules';
import { SegmentsPage } from './pages/segments';
import { CasePage, CasesPage } from './pages/cases';
import { GuestPage } from './pages/guest';
import { GuestsPage } from './pages/guests';
import { WorkflowPage, WorkflowsPage } from './pages/workflows';
import { useSession } from './session';
import { ErrorBox } from './ui';

export function App() {
  const { session } = useSession();
  if (!session) return <SignIn />;
  const { staff, marketing, admin } = session.can;
  const home = staff ? '/guests' : marketing ? '/marketing/dashboard' : '/no-access';
  return (
    <Shell>
      <Routes>
        <Route path="/" element={<Navigate to={home} replace />} />
        {staff ? (
          <>
            <Route path="/guests" element={<GuestsPage />} />
            <Route path="/guests/:id" element={<GuestPage />} />
            <Route path="/cases" element={<CasesPage />} />
            <Route path="/cases/:id" element={<CasePage />} />
            <Route path="/workflows" element={<WorkflowsPage />} />
            <Route path="/workflows/:id" element={<WorkflowPage />} />
            <Route path="/arrivals" element={<ArrivalsPage />} />
          </>
        ) : null}
        {marketing ? (
          <>
            <Route path="/marketing/dashboard" element={<DashboardPage />} />
            <Route path="/marketing/cadences/*" element={<CadencesPage />} />
            <Route path="/marketing/segments/*" element={<SegmentsPage />} />
            <Route path="/marketing/campaigns/*" element={<CampaignsPage />} />
          </>
        ) : null}
        {admin ? (
          <>
            <Route path="/admin/rules/*" element={<RulesPage />} />
            <Route path="/admin/import/*" element={<ImportPage />} />
            <Route path="/admin/pms/*" element={<PmsSyncPage />} />
            <Route path="/admin/privacy/*" element={<PrivacyPage />} />
          </>
        ) : null}
        <Route path="*" element={<NoAccess />} />
      </Routes>
    </Shell>
  );
}

function NoAccess() {
  const { t } = useTranslation();
  const { session } = useSession();
  return (
    <section className="card" data-testid="no-access">
      <h2>{t('noAccess.title')}</h2>
      <p>{t('noAccess.body', { role: t(`role.${session?.role ?? 'ops'}`) })}</p>
    </section>
  );
}

function LanguageSwitch() {
  const { i18n } = useTranslation();
  const other: Language = i18n.language === 'zh-CN' ? 'en' : 'zh-CN';
  return (
    <button
      type="button"
      className="btn btn-quiet lang-switch"
      onClick={() => setLanguage(other)}
      data-testid="language-switch"
      lang={other}
    >
      {other === 'zh-CN' ? '中文' : 'English'}
    </button>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { session, signOut, properties, property, setProperty, zone } = useSession();
  const can = session?.can;
  const links: [string, string][] = [
    ...(can?.staff
      ? ([
          ['/guests', t('nav.guests')],
          ['/arrivals', t('nav.arrivals')],
          ['/cases', t('nav.cases')],
          ['/workflows', t('nav.workflows')],
        ] as [string, string][])
      : []),
    ...(can?.marketing
      ? ([
          ['/marketing/dashboard', t('nav.dashboard')],
          ['/marketing/cadences', t('nav.cadences')],
          ['/marketing/segments', t('nav.segments')],
          ['/marketing/campaigns', t('nav.campaigns')],
        ] as [string, string][])
      : []),
    ...(can?.admin
      ? ([
          ['/admin/rules', t('nav.rules')],
          ['/admin/import', t('nav.import')],
          ['/admin/pms', t('nav.pms')],
          ['/admin/privacy', t('nav.privacy')],
        ] as [string, string][])
      : []),
  ];
  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">{t('app.title')}</div>
        <nav className="mainnav" aria-label={t('nav.label')}>
          {links.map(([to, label]) => (
            <NavLink key={to} to={to} className={({ isActive }) => (isActive ? 'active' : '')}>
              {label}
            </NavLink>
          ))}
        </nav>
        <div className="topbar-right">
          <label className="property-pick">
            <span className="sr-only">{t('header.property')}</span>
            <select
              value={property ?? ''}
              onChange={(e) => setProperty(e.target.value || null)}
              data-testid="property-select"
            >
              <option value="">{t('header.allProperties')}</option>
              {properties.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.name ? `${p.name} (${p.code})` : p.code}
                </option>
              ))}
            </select>
          </label>
          <span className="zone" title={t('header.zoneHint')} data-testid="zone-label">
            {t('header.times')}: {zoneLabel(zone)}
          </span>
          <LanguageSwitch />
          <span className="who" data-testid="who">
            {session?.name} · {t(`role.${session?.role ?? 'ops'}`)}
          </span>
          <button type="button" className="btn btn-quiet" onClick={() => void signOut()}>
            {t('action.signOut')}
          </button>
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}

function SignIn() {
  const { t } = useTranslation();
  const { signIn } = useSession();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(key.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="signin">
      <form className="card signin-card" onSubmit={(e) => void submit(e)}>
        <div className="signin-head">
          <h1>{t('app.title')}</h1>
          <LanguageSwitch />
        </div>
        <p>{t('signIn.intro')}</p>
        <label className="field">
          <span className="field-label">{t('signIn.key')}</span>
          <input
            type="password"
            name="key"
            autoComplete="current-password"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
            minLength={8}
          />
        </label>
        <ErrorBox error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy || key.trim().length < 8}>
          {t('signIn.submit')}
        </button>
        <p className="field-hint">{t('signIn.hint')}</p>
      </form>
    </div>
  );
}

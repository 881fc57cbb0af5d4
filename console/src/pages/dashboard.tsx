/** Dashboard (docs/console.md). */
import { useTranslation } from 'react-i18next';

export function DashboardPage() {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="dashboard-page">
      <h2>{t('dashboard.title')}</h2>
    </section>
  );
}

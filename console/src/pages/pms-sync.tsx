/** PMS sync, for admins: the PMS connections: catch-up sync runs with their summary, and deliveries parked for ops. */
import { useTranslation } from 'react-i18next';

export function PmsSyncPage() {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="pms-sync-page">
      <h2>{t('pmsSync.title')}</h2>
    </section>
  );
}

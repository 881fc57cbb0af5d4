/** Campaigns (docs/console.md). */
import { useTranslation } from 'react-i18next';

export function CampaignsPage() {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="campaigns-page">
      <h2>{t('campaigns.title')}</h2>
    </section>
  );
}

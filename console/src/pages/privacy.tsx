/** Privacy, for admins: a guest's data: export for a data-subject access request, erasure, and the consent history. */
import { useTranslation } from 'react-i18next';

export function PrivacyPage() {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="privacy-page">
      <h2>{t('privacy.title')}</h2>
    </section>
  );
}

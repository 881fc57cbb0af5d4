/** Cadences and templates (docs/console.md). */
import { useTranslation } from 'react-i18next';

export function CadencesPage() {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="cadences-page">
      <h2>{t('cadences.title')}</h2>
    </section>
  );
}

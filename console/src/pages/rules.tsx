/** Program rules (docs/console.md). */
import { useTranslation } from 'react-i18next';

export function RulesPage() {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="rules-page">
      <h2>{t('rules.title')}</h2>
    </section>
  );
}

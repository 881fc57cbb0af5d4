/**
 * Program rules, for admins (docs/console.md "Program rules"): the version in force and those waiting for their
 * day, the drafts, and one draft's editor with the tier-change preview and publication (console/src/pages/rules/).
 */
import { Route, Routes } from 'react-router';
import { DraftPage } from './rules/editor';
import { RulesOverview } from './rules/overview';

export function RulesPage() {
  return (
    <div className="rules-page" data-testid="rules-page">
      <Routes>
        <Route index element={<RulesOverview />} />
        <Route path="drafts/:id" element={<DraftPage />} />
      </Routes>
    </div>
  );
}

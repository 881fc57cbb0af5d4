/**
 * Campaigns (docs/console.md "Campaigns"), for marketers: the list (`/marketing/campaigns`), the form of a new one
 * (`/marketing/campaigns/new`), and a campaign's page (`/marketing/campaigns/:id`): its settings; a draft's count
 * preview and start; the live progress with pause, resume and cancel; the result against the holdout.
 */
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { get } from '../api';
import { codeLabel } from '../i18n';
import { formatInstant } from '../format';
import { useSession } from '../session';
import { QueryState, Section, Table } from '../ui';
import { CampaignPage } from './campaigns/campaign';
import { StatusBadge, useSendAt } from './campaigns/common';
import { NewCampaign } from './campaigns/form';
import type { Campaign } from './campaigns/types';

export function CampaignsPage() {
  return (
    <div data-testid="campaigns-page" className="cmp-page">
      <Routes>
        <Route index element={<CampaignList />} />
        <Route path="new" element={<NewCampaign />} />
        <Route path=":id" element={<CampaignPage />} />
      </Routes>
    </div>
  );
}

function CampaignList() {
  const { t } = useTranslation();
  const { zone } = useSession();
  const sendAt = useSendAt();
  const query = useQuery({
    queryKey: ['campaigns'],
    queryFn: () => get<{ campaigns: Campaign[] }>('/v1/campaigns', { limit: 100 }),
  });
  return (
    <Section
      title={t('campaigns.title')}
      actions={
        <Link to="/marketing/campaigns/new" className="btn btn-primary" data-testid="new-campaign">
          {t('campaigns.new')}
        </Link>
      }
    >
      <p className="muted">{t('campaigns.intro')}</p>
      <QueryState query={query} empty={(d) => d.campaigns.length === 0} emptyText={t('campaigns.none')}>
        {(d) => (
          <Table
            columns={[
              t('campaigns.list.name'),
              t('campaigns.list.template'),
              t('campaigns.list.send'),
              { label: t('campaigns.list.holdout'), num: true },
              t('campaigns.list.status'),
              t('campaigns.list.created'),
            ]}
            testId="campaign-list"
          >
            {d.campaigns.map((c) => (
              <tr key={c.id} data-campaign={c.id}>
                <td>
                  <Link to={`/marketing/campaigns/${c.id}`}>{c.name}</Link>
                  <div className="muted small mono">{c.id}</div>
                </td>
                <td>{codeLabel('campaigns.template', c.template)}</td>
                <td className="nowrap">{sendAt(c)}</td>
                <td className="num">{c.holdoutPercent} %</td>
                <td>
                  <StatusBadge status={c.status} />
                </td>
                <td className="small">
                  {c.createdBy}
                  <div className="muted">{formatInstant(c.createdAt, zone)}</div>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </QueryState>
    </Section>
  );
}

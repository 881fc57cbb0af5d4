/**
 * The guest's timeline (`GET /v1/guests/:id/timeline`): what happens next, then every decision newest first —
 * stage and tier changes with their reasons, points, mails (sent, held, suppressed with the reason), cases,
 * PMS events and staff actions with the key's name. Paged by the API's cursor.
 */
import { useTranslation } from 'react-i18next';
import { useInfiniteQuery } from '@tanstack/react-query';
import { get } from '../api';
import { codeLabel } from '../i18n';
import { formatInstant, formatNumber } from '../format';
import { useSession } from '../session';
import { Badge, Empty, ErrorBox, Loading } from '../ui';
import { MailReason } from './guest';

export interface TimelineEntry {
  id: string;
  at: string;
  kind: string;
  [fact: string]: unknown;
}

interface TimelinePage {
  entries: TimelineEntry[];
  nextCursor: string | null;
  next?: {
    deadlines: { kind: string; at: string }[];
    plannedMails: { template: string; at: string | null; step?: string | null }[];
    unavailable?: string | null;
  };
}

export function Timeline({ guestId }: { guestId: string }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const query = useInfiniteQuery({
    queryKey: ['timeline', guestId],
    queryFn: ({ pageParam }) =>
      get<TimelinePage>(`/v1/guests/${guestId}/timeline`, { limit: 50, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorBox error={query.error} />;
  const first = query.data.pages[0];
  const entries = query.data.pages.flatMap((p) => p.entries);
  const next = first?.next;
  return (
    <div className="timeline" data-testid="timeline">
      <div className="next-box" data-testid="next">
        <h3>{t('timeline.next')}</h3>
        {next && (next.deadlines.length > 0 || next.plannedMails.length > 0) ? (
          <ul className="steps">
            {next.deadlines.map((d) => (
              <li key={`d-${d.kind}-${d.at}`}>
                <strong>{codeLabel('deadline', d.kind)}</strong>{' '}
                <span className="nowrap">{formatInstant(d.at, zone)}</span>
              </li>
            ))}
            {next.plannedMails.map((m, i) => (
              <li key={`m-${i}`}>
                ✉ <strong>{codeLabel('template', m.template)}</strong>{' '}
                <span className="nowrap">{m.at ? formatInstant(m.at, zone) : t('timeline.unplanned')}</span>
              </li>
            ))}
          </ul>
        ) : (
          <Empty>{next?.unavailable ? t('timeline.nextUnavailable') : t('timeline.nothingNext')}</Empty>
        )}
      </div>
      {entries.length === 0 ? (
        <Empty>{t('timeline.empty')}</Empty>
      ) : (
        <ol className="entries">
          {entries.map((e) => (
            <li key={e.id} className={`entry entry-${e.kind}`} data-kind={e.kind}>
              <span className="entry-when nowrap">{formatInstant(e.at, zone)}</span>
              <Badge kind={`kind-${e.kind}`}>{codeLabel('entryKind', e.kind)}</Badge>
              <span className="entry-what">
                <EntryText e={e} />
              </span>
            </li>
          ))}
        </ol>
      )}
      {query.hasNextPage ? (
        <button
          type="button"
          className="btn btn-quiet"
          onClick={() => void query.fetchNextPage()}
          disabled={query.isFetchingNextPage}
        >
          {t('timeline.more')}
        </button>
      ) : null}
    </div>
  );
}

const str = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';

function EntryText({ e }: { e: TimelineEntry }) {
  const { t } = useTranslation();
  switch (e.kind) {
    case 'stage':
      return (
        <>
          {codeLabel('stage', str(e.from))} → <strong>{codeLabel('stage', str(e.to))}</strong>
          <span className="muted"> · {str(e.reason)}</span>
        </>
      );
    case 'tier':
      return (
        <>
          {codeLabel('tier', str(e.from))} → <strong>{codeLabel('tier', str(e.to))}</strong>
          <span className="muted">
            {' '}
            · {codeLabel('tierSource', str(e.source))} · {str(e.reason)}
          </span>
        </>
      );
    case 'points': {
      const n = Number(e.points);
      return (
        <>
          <strong className={n < 0 ? 'neg' : 'pos'}>
            {n > 0 ? '+' : ''}
            {formatNumber(n)}
          </strong>{' '}
          {codeLabel('ledgerReason', str(e.reason))}
          <span className="muted">
            {' '}
            · {t('points.balanceAfter')} {formatNumber(Number(e.balanceAfter))}
            {e.source ? ` · ${str(e.source)}` : ''}
          </span>
        </>
      );
    }
    case 'mail':
      return (
        <>
          <Badge kind={`mail-${str(e.status)}`}>{codeLabel('mailStatus', str(e.status))}</Badge>{' '}
          {codeLabel('template', str(e.template))}
          {e.subject ? <span className="muted"> · {str(e.subject)}</span> : null}
          {e.suppressionReason ? (
            <>
              {' '}
              · <MailReason reason={str(e.suppressionReason)} />
            </>
          ) : null}
          {e.heldUntil ? (
            <span className="muted">
              {' '}
              · {t('timeline.heldUntil')} {str(e.heldUntil)}
            </span>
          ) : null}
        </>
      );
    case 'case':
      return (
        <>
          <strong>{codeLabel('caseStep', str(e.action))}</strong>
          <span className="muted"> · {str(e.actor)}</span>
        </>
      );
    case 'pms':
      return (
        <>
          {codeLabel('pmsEvent', str(e.type))}
          {e.rejectionReason ? <span className="neg"> · {str(e.rejectionReason)}</span> : null}
        </>
      );
    case 'staff':
      return (
        <>
          <strong>{codeLabel('staffAction', str(e.action))}</strong> · {str(e.actor)}
          {e.reason ? <span className="muted"> · “{str(e.reason)}”</span> : null}
        </>
      );
    default:
      return <span className="muted">{JSON.stringify(e)}</span>;
  }
}

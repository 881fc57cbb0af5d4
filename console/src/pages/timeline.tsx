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
import { MailReason } from '../shared';

export interface TimelineEntry {
  id: string;
  at: string;
  kind: string;
  [fact: string]: unknown;
}

interface TimelinePage {
  entries: TimelineEntry[];
  nextCursor: string | null;
  next: {
    deadlines: { kind: string; at: string }[];
    plannedMails: { source: string; template: string; at: string | null; held?: boolean }[];
    unavailable: string | null;
  } | null;
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
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' ? (v as Record<string, unknown>) : {};

/** One entry as a line of text from its facts (lib/guest-timeline.ts names the kinds and their facts). */
function EntryText({ e }: { e: TimelineEntry }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  switch (e.kind) {
    case 'stage':
      return (
        <>
          {e.from ? codeLabel('stage', str(e.from)) : '—'} → <strong>{codeLabel('stage', str(e.to))}</strong>
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
      const stay = obj(e.stay);
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
            {e.source ? ` · ${codeLabel('pointsSource', str(e.source))}` : ''}
            {stay.propertyCode
              ? ` · ${str(stay.propertyCode)} ${str(stay.arrival)} → ${str(stay.departure)}`
              : ''}
          </span>
        </>
      );
    }
    case 'mail': {
      const suppression = obj(e.suppression);
      return (
        <>
          <Badge kind={`mail-${str(e.status)}`}>{codeLabel('mailStatus', str(e.status))}</Badge>{' '}
          {codeLabel('template', str(e.template))}
          {e.subject ? <span className="muted"> · {str(e.subject)}</span> : null}
          {suppression.code ? (
            <>
              {' '}
              · <MailReason reason={str(suppression.text) || str(suppression.code)} />
            </>
          ) : null}
          {e.heldUntil ? (
            <span className="muted">
              {' '}
              · {t('timeline.heldUntil')} {formatInstant(str(e.heldUntil), zone)}
            </span>
          ) : null}
        </>
      );
    }
    case 'case':
      return (
        <>
          <strong>{codeLabel('caseStep', str(e.action))}</strong>
          {obj(e.facts).level ? <span> · {str(obj(e.facts).level)}</span> : null}
          <span className="muted"> · {str(e.actor)}</span>
        </>
      );
    case 'pms_event':
      return (
        <>
          {codeLabel('pmsEvent', str(e.type))} · {codeLabel('pmsStatus', str(e.status))}
          {e.rejectionReason ? <span className="neg"> · {str(e.rejectionReason)}</span> : null}
        </>
      );
    case 'action':
    case 'staff_request': {
      const facts = obj(e.facts);
      const words = str(facts.reason) || str(facts.note);
      return (
        <>
          <strong>{codeLabel('staffAction', str(e.action ?? e.request))}</strong>
          {e.kind === 'staff_request' ? (
            <span className="muted"> ({t('timeline.waiting')})</span>
          ) : null} · {str(e.actor)}
          {facts.points !== undefined ? <span> · {formatNumber(Number(facts.points))}</span> : null}
          {facts.tier ? <span> · {codeLabel('tier', str(facts.tier))}</span> : null}
          {words ? <span className="muted"> · “{words}”</span> : null}
        </>
      );
    }
    default:
      return <span className="muted">{e.kind}</span>;
  }
}

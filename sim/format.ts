/** The timeline as text: one aligned line per entry in the guest's local time, the runs, the figures. */
import { DateTime } from 'luxon';
import type { Timeline, TimelineEntry } from './timeline.js';

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

export function describeEntry(e: TimelineEntry): string {
  switch (e.kind) {
    case 'pms':
      return `${e.type} ${e.eventId} → ${e.refusedFirst ? `${e.refusedFirst.join(', ')}, then ` : ''}${e.status}${e.error ? ` ${e.error.code}: ${e.error.message}` : ''}${e.note ? `  (${e.note})` : ''}`;
    case 'staff':
      return `${e.action} ${JSON.stringify(e.body)} → ${e.status}${e.error ? ` ${e.error.code}: ${e.error.message}` : ''}${previewOf(e.result)}${e.note ? `  (${e.note})` : ''}`;
    case 'guest':
      return `${e.action} ${JSON.stringify(e.body)}${e.fromMail ? ` (link in “${e.fromMail}”)` : ''} → ${e.status}${e.error ? ` ${e.error.code}: ${e.error.message}` : ''}${e.note ? `  (${e.note})` : ''}`;
    case 'rejected':
      return `event ${e.eventId} rejected by the workflow: ${e.reason}`;
    case 'stage':
      return `${e.from ?? '∅'} → ${e.to}: ${e.reason}${e.actor === 'workflow' ? '' : ` (by ${e.actor})`}`;
    case 'tier':
      return `${e.from} → ${e.to} (${e.source}; valid ${e.validFrom} – ${e.validThrough ?? '…'}): ${e.reason}`;
    case 'points':
      return `${signed(e.points)} ${e.reason}${e.stay ? ` (stay ${e.stay})` : ''}${e.rulesVersion ? ` rules v${e.rulesVersion}` : ''} → balance ${e.balanceAfter}`;
    case 'case': {
      const facts = Object.entries(e.facts)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ');
      return `case ${e.caseId} ${e.action}${facts ? ` (${facts})` : ''}${e.actor.startsWith('workflow') ? '' : ` by ${e.actor}`}`;
    }
    case 'mail':
      return e.status === 'suppressed'
        ? `suppressed ${e.template}: ${e.suppressionReason ?? ''}`
        : `${e.status} ${e.template} “${e.subject}” to ${e.to}${e.status === 'sent' && e.deliveries !== 1 ? ` (received ${e.deliveries}×)` : ''}`;
  }
}

/** A cadence preview's mails and skips, in one line. */
function previewOf(result: unknown): string {
  const r = result as
    | { mails?: { template: string; localSendAt: string }[]; skipped?: { template: string; skip: string }[] }
    | undefined;
  if (!r?.mails) return '';
  const mails = r.mails.map((m) => `${m.template} @ ${m.localSendAt}`).join(', ');
  const skipped = (r.skipped ?? []).map((m) => `${m.template} (${m.skip})`).join(', ');
  return `: ${mails}${skipped ? `; skipped ${skipped}` : ''}`;
}

function table(rows: string[][], align: ('l' | 'r')[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

export function formatTimeline(t: Timeline): string {
  const out: string[] = [];
  const many = Object.keys(t.guests).length > 1;
  out.push(`Scenario: ${t.scenario}`);
  out.push(
    `  ran ${t.wallSeconds}s, ${t.activities} activities; the test server ran it ${t.shiftYears} years later, every time below is moved back`,
  );
  for (const [name, g] of Object.entries(t.guests)) {
    out.push(
      `  ${name}: ${g.pmsProfileId} (${g.timezone}), member ${g.memberNumber ?? '—'}, stage ${g.stage}, tier ${g.tier}${g.tierFloor ? ` (floor ${g.tierFloor})` : ''}, ${g.pointsBalance} points, ${g.stays} stays`,
    );
  }
  out.push('', 'Timeline (the guest’s local time)');
  out.push(
    ...table(
      t.entries.map((e) => [
        // Several guests, several zones: each time with its offset.
        many
          ? `${e.local} ${DateTime.fromISO(e.at, { zone: t.guests[e.guest]?.timezone ?? 'UTC' }).toFormat('ZZ')}`
          : e.local,
        ...(many ? [e.guest] : []),
        e.kind,
        describeEntry(e),
      ]),
      ['l', 'l', 'l', 'l'],
    ).map((l) => `  ${l}`),
  );
  out.push('', 'Workflow runs (history length)');
  out.push(
    ...table(
      [
        ['workflow', 'type', 'run', 'started', 'status', 'events'],
        ...t.runs.map((r) => [
          r.workflow,
          r.workflowType,
          r.runId.slice(0, 8),
          r.started,
          r.status,
          String(r.events),
        ]),
      ],
      ['l', 'l', 'l', 'l', 'l', 'r'],
    ).map((l) => `  ${l}`),
  );
  out.push(
    '',
    t.personalDataInHistory.length === 0
      ? `Personal data in workflow history: none (names, e-mail addresses, phones and typed text searched in ${t.runs.length} runs)`
      : 'Personal data in workflow history: FOUND',
    ...t.personalDataInHistory.map(
      (p) => `  ${p.what} in ${p.workflow} run ${p.runId.slice(0, 8)} event ${p.eventId} (${p.event})`,
    ),
  );
  const f = t.figures;
  out.push('', 'Figures (the guest’s own workflows)');
  out.push(`  stays                       ${f.stays}`);
  out.push(
    `  parent events               ${f.parentEvents} in ${f.parentRuns} runs = ${f.parentEventsPerStay} per stay`,
  );
  out.push(
    `  parent events per stay      mean ${f.parentEventsPerStaySignal.mean}, max ${f.parentEventsPerStaySignal.max} (from the stay's signal to the next wake-up, ${f.parentEventsPerStaySignal.count} stays)`,
  );
  out.push(
    `  follow-up child per stay    mean ${f.followUpEventsPerStay.mean}, max ${f.followUpEventsPerStay.max} (${f.followUpEventsPerStay.count} children)`,
  );
  out.push(
    `  events per guest-year       ${Object.entries(f.eventsPerGuestYear)
      .map(([y, n]) => `${y}: ${n}`)
      .join(', ')}`,
  );
  out.push(
    `  longest run                 ${f.longestRun ? `${f.longestRun.events} events (${f.longestRun.workflow} ${f.longestRun.runId.slice(0, 8)})` : '—'}`,
  );
  out.push(`  runs over 4,096 events      ${f.runsOver4096}`);
  out.push(`  carried by continue-as-new  ${f.carriedOverByContinueAsNew} messages`);
  return out.join('\n');
}

/** The figures as one line, for test logs. */
export function figuresLine(t: Timeline): string {
  const f = t.figures;
  return [
    `${t.scenario.split(':')[0]}: ${t.wallSeconds}s`,
    `parent ${f.parentEvents} events / ${f.stays} stays in ${f.parentRuns} runs`,
    `per stay on the parent ${f.parentEventsPerStaySignal.mean} (max ${f.parentEventsPerStaySignal.max})`,
    `follow-up ${f.followUpEventsPerStay.mean}`,
    `per year ${JSON.stringify(f.eventsPerGuestYear)}`,
    `longest run ${f.longestRun?.events ?? 0}`,
    `carried by continue-as-new ${f.carriedOverByContinueAsNew}`,
  ].join('; ');
}

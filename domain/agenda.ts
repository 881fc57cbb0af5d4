/**
 * The guest's agenda: a few dated deadlines, one timer at a time (workflows/guest-lifecycle.ts). The instants
 * are computed by an activity (activities/agenda.ts: time zones are not workflow business); the workflow only
 * picks the earliest and waits for it.
 */
export const DEADLINES = [
  'tierReview',
  'lapse',
  'atRisk',
  'pointsExpiry',
  'pointsExpiryWarning',
  'firstYearReminder',
  'tierKeepReminder',
  'birthday',
  'invitation',
] as const;
export type DeadlineKind = (typeof DEADLINES)[number];

/** ISO instants; absent = nothing due of that kind. */
export type Agenda = Partial<Record<DeadlineKind, string>>;

export interface Deadline {
  kind: DeadlineKind;
  at: string;
}

/** The guest's earliest deadline (ties in DEADLINES order). */
export function nextDeadline(agenda: Agenda): Deadline | undefined {
  return earliestDeadline(DEADLINES, agenda);
}

/**
 * The earliest of `agenda`'s deadlines among `kinds` (ties in their order), leaving out those `done` says were
 * handled already: the guest's agenda (above) and a case's (domain/cases.ts CASE_DEADLINES, workflows/case.ts).
 */
export function earliestDeadline<K extends string>(
  kinds: readonly K[],
  agenda: Partial<Record<K, string>>,
  done?: (kind: K, at: string) => boolean,
): { kind: K; at: string } | undefined {
  let best: { kind: K; at: string } | undefined;
  for (const kind of kinds) {
    const at = agenda[kind];
    if (at === undefined || done?.(kind, at)) continue;
    if (!best || Date.parse(at) < Date.parse(best.at)) best = { kind, at };
  }
  return best;
}

/**
 * The guest's agenda: a few dated deadlines, one timer at a time (DESIGN.md
 * "Workflows"). The instants are computed by an activity (time zones are not
 * workflow business); the workflow only picks the earliest and waits for it.
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

/** The earliest deadline (ties in DEADLINES order). */
export function nextDeadline(agenda: Agenda): Deadline | undefined {
  let best: Deadline | undefined;
  for (const kind of DEADLINES) {
    const at = agenda[kind];
    if (at === undefined) continue;
    if (!best || Date.parse(at) < Date.parse(best.at)) best = { kind, at };
  }
  return best;
}

/**
 * The privacy check of a simulation (contracts/README.md "What may enter workflow history": no name, e-mail, phone or free text in signals,
 * inputs, results, failures or queries): every string and every payload of every history event of every run is
 * searched for the personal data the scenario gave the system: the guests' names, e-mail addresses and phone
 * numbers, the staff addresses of its properties, and the free text staff and guests typed (case descriptions,
 * notes, resolutions, survey comments, adjustment reasons, who received a complaint).
 */
import { eventKind, type WorkflowRun } from './histories.js';
import { guestsOf, type ParsedScenario } from './scenario.js';

export interface PersonalDatum {
  /** What it is, for the report (`email of guest`, `comment of guest.answerSurvey`); never the value itself. */
  what: string;
  value: string;
  /** Names match as whole words only ("Na" is in "Name"); everything else anywhere. */
  word?: boolean;
}

export interface PersonalDataFinding {
  workflowId: string;
  runId: string;
  eventId: number;
  event: string;
  what: string;
}

/** Fields of staff and guest actions that hold text a person typed. */
const FREE_TEXT = ['comment', 'description', 'resolution', 'note', 'reason', 'receivedBy', 'text'];

const DATE_IN_TEXT = /\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?/;

/** The personal data a scenario hands the system. */
export function personalDataOf(s: ParsedScenario): PersonalDatum[] {
  const data: PersonalDatum[] = [];
  for (const [name, g] of guestsOf(s)) {
    data.push({ what: `first name of ${name}`, value: g.firstName, word: true });
    data.push({ what: `last name of ${name}`, value: g.lastName, word: true });
    data.push({ what: `name of ${name}`, value: `${g.firstName} ${g.lastName}` });
    data.push({ what: `name of ${name}`, value: `${g.lastName}${g.firstName}` });
    data.push({ what: `e-mail of ${name}`, value: g.email });
    const phone = (g as Record<string, unknown>).phone;
    if (typeof phone === 'string' && phone.length > 0) data.push({ what: `phone of ${name}`, value: phone });
  }
  for (const [code, p] of Object.entries(s.properties)) {
    if (p.dutyManagerEmail) data.push({ what: `duty manager e-mail of ${code}`, value: p.dutyManagerEmail });
    if (p.generalManagerEmail)
      data.push({ what: `general manager e-mail of ${code}`, value: p.generalManagerEmail });
  }
  for (const e of s.events) {
    if (!/^(ops|manager|guest)\./.test(e.type)) continue;
    for (const key of FREE_TEXT) {
      const v = e.data[key];
      if (typeof v !== 'string' || v.trim().length === 0) continue;
      // The simulator moves dates in a text by whole years: look for the parts between the dates.
      const parts = v.split(DATE_IN_TEXT).filter((x): x is string => (x?.trim().length ?? 0) >= 8);
      for (const value of parts.length > 0 ? parts : [v]) data.push({ what: `${key} of ${e.type}`, value });
    }
  }
  // One entry per value (the same e-mail may belong to two scenario guests).
  return [...new Map(data.map((d) => [`${d.word ? 'w' : 's'}:${d.value}`, d])).values()];
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Every text of an event: its strings, and its bytes (payloads) read as UTF-8. */
function textsOf(value: unknown, out: string[], depth = 0): string[] {
  if (depth > 40 || value == null) return out;
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(decoder.decode(value));
  else if (Array.isArray(value)) for (const v of value) textsOf(v, out, depth + 1);
  else if (typeof value === 'object') for (const v of Object.values(value)) textsOf(v, out, depth + 1);
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A test of one event's texts (as given, and lower-cased once per event) for one datum. */
function matcher(d: PersonalDatum): (texts: string[], lower: string[]) => boolean {
  if (!d.word) {
    const needle = d.value.toLowerCase();
    // JSON in a payload escapes quotes and backslashes: look for the escaped form too.
    const escaped = JSON.stringify(d.value).slice(1, -1).toLowerCase();
    return (_texts, lower) => lower.some((t) => t.includes(needle) || t.includes(escaped));
  }
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${escape(d.value)}(?![\\p{L}\\p{N}])`, 'u');
  return (texts) => texts.some((t) => re.test(t));
}

/** Where personal data appears in the runs' histories: one finding per event and datum. */
export function findPersonalData(runs: WorkflowRun[], data: PersonalDatum[]): PersonalDataFinding[] {
  const checks = data.map((d) => ({ what: d.what, found: matcher(d) }));
  const findings: PersonalDataFinding[] = [];
  for (const run of runs) {
    for (const e of run.history) {
      const texts = textsOf(e, []);
      const lower = texts.map((t) => t.toLowerCase());
      for (const c of checks) {
        if (c.found(texts, lower))
          findings.push({
            workflowId: run.workflowId,
            runId: run.runId,
            eventId: Number(e.eventId ?? 0),
            event: eventKind(e),
            what: c.what,
          });
      }
    }
  }
  return findings;
}

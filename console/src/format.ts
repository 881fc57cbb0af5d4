/**
 * Dates and times as staff read them: in the zone of the hotel chosen in the header (or the browser's), always
 * labelled with that zone, in the console's language. Calendar dates from the API (`2026-12-24`, an arrival)
 * are days, not instants: shown as they are, never moved across zones.
 */
import i18n from './i18n';

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function locale(): string {
  return i18n.language === 'zh-CN' ? 'zh-CN' : 'en-GB';
}

/** `6 Dec 2026, 15:00` / `2026年12月6日 15:00` in `zone`. */
export function formatInstant(iso: string | null | undefined, zone: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), {
    timeZone: zone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

/** A calendar day (`YYYY-MM-DD`, or the date part of an instant the API sent for a day). */
export function formatDay(day: string | null | undefined): string {
  if (!day) return '—';
  const [y, m, d] = day.slice(0, 10).split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Intl.DateTimeFormat(locale(), {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** The zone's short label for the header and for tables' time columns: `Asia/Shanghai (GMT+8)`. */
export function zoneLabel(zone: string): string {
  const part = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'shortOffset' })
    .formatToParts(new Date())
    .find((p) => p.type === 'timeZoneName');
  return part ? `${zone} (${part.value})` : zone;
}

/** Today in `zone` as `YYYY-MM-DD`, and the day after. */
export function dayIn(zone: string, offsetDays = 0): string {
  const now = new Date(Date.now() + offsetDays * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(now);
}

export function formatNumber(n: number | string | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(locale()).format(Number(n));
}

const HAN = /\p{Script=Han}/u;

/** A guest's name as it is written: `王小明` (family name first, no space) or `Anna Schmidt`. */
export function personName(first: string | null | undefined, last: string | null | undefined): string {
  const f = first ?? '';
  const l = last ?? '';
  if (HAN.test(f) || HAN.test(l)) return `${l}${f}`;
  return [f, l].filter(Boolean).join(' ');
}

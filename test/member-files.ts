/**
 * Member import files for the tests and the bench (docs/import.md "The file"): a line per member, good unless a
 * test spoils a field. `generatedMembers(n, series)` makes `n` members whose numbers and profile ids are of
 * `series` (0-99), so two files of the same shape never name the same member.
 */
import { MEMBER_COLUMNS, type MemberColumn } from '../api/imports/schema.js';

export type MemberLine = Record<MemberColumn, string>;

const TIERS = ['member', 'silver', 'gold', 'diamond'] as const;
const ZONES = ['Asia/Shanghai', 'Europe/London', 'America/New_York', 'Asia/Singapore'] as const;
const LOCALES = ['zh-CN', 'en', 'en-GB', 'zh'] as const;

/** The `i`th member of `series`: every field filled, the tier and balance varying with `i`. */
export function memberLine(i: number, series: number): MemberLine {
  const n = String(series).padStart(2, '0') + String(i).padStart(7, '0');
  return {
    member_number: `M${n}`,
    pms_profile_id: i % 3 === 0 ? '' : `PMS-${n}`,
    external_id: i % 3 === 0 ? `OLD-${n}` : '',
    first_name: i % 2 ? `Wei ${i}` : `Anna ${i}`,
    last_name: i % 2 ? '王' : `Smith`,
    email: `member${n}@example.com`,
    phone: i % 4 === 0 ? '' : `+86 21 ${String(6000_0000 + i).slice(0, 8)}`,
    locale: LOCALES[i % LOCALES.length]!,
    timezone: ZONES[i % ZONES.length]!,
    birthday: i % 5 === 0 ? '' : `19${70 + (i % 30)}-0${1 + (i % 9)}-1${i % 10}`,
    marketing_consent: i % 2 ? 'yes' : 'no',
    marketing_consent_at: i % 2 ? '2024-03-01T08:00:00Z' : '',
    marketing_consent_source: i % 2 ? 'old loyalty site' : '',
    tier: TIERS[i % TIERS.length]!,
    points_balance: String((i * 137) % 50_000),
    enrolled_on: `20${10 + (i % 15)}-0${1 + (i % 9)}-01`,
    home_property: i % 2 ? 'SHA01' : '',
  };
}

export function generatedMembers(count: number, series: number): MemberLine[] {
  return Array.from({ length: count }, (_, i) => memberLine(i + 1, series));
}

const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The file: the header, then each line (a string line is written as it is). */
export function memberCsv(lines: (Partial<MemberLine> | string)[]): string {
  const rows = lines.map((l) =>
    typeof l === 'string' ? l : MEMBER_COLUMNS.map((c) => cell(l[c] ?? '')).join(','),
  );
  return `${MEMBER_COLUMNS.join(',')}\n${rows.join('\n')}\n`;
}

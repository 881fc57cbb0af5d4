/**
 * CSV as spreadsheets read it (RFC 4180): a header row, fields separated by commas, lines ended by CRLF, a
 * field quoted when it holds a comma, a quote or a line break. The file starts with a UTF-8 byte order mark, so
 * Excel shows Chinese names as they are. A text field that starts with `=`, `+`, `-`, `@`, a tab or a carriage
 * return is prefixed with `'`, so a spreadsheet never runs a guest's name as a formula (OWASP "CSV injection").
 */
export const BOM = '\uFEFF';

export type CsvValue = string | number | boolean | null | undefined;

function field(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One line of the file, CRLF included. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(field).join(',')}\r\n`;
}

/**
 * A file name for `Content-Disposition`: an ASCII one (letters, digits, `-`) and the UTF-8 one
 * (RFC 6266 `filename*`), so a segment named in Chinese downloads under its name.
 */
export function attachment(name: string, fallback: string): string {
  const ascii = fallback.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

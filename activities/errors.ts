/**
 * Errors as they may leave an activity: classified (can a retry help?) and
 * summarised. Whatever reaches workflow history, an outbox row's `last_error`
 * or the API carries no recipient address, no SQL and no parameter values
 * (contracts/README.md "What may enter workflow history"): only codes, the command or constraint, and a class.
 */
import { ApplicationFailure } from '@temporalio/activity';

const EMAIL = /[^\s<>"'@,;:()]+@[^\s<>"'@,;:()]+/g;

/** Removes anything that looks like an e-mail address. */
export function withoutAddresses(text: string): string {
  return text.replace(EMAIL, '<address>');
}

interface PgError {
  code?: unknown;
  constraint?: unknown;
  column?: unknown;
  table?: unknown;
  routine?: unknown;
}

function isPgError(err: unknown): err is Error & PgError & { code: string } {
  return (
    err instanceof Error &&
    typeof (err as PgError).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((err as PgError).code as string)
  );
}

/** `database error 23505 (constraint stays_source_pms_stay_id_unique)`: no SQL, no values. */
export function summariseDbError(err: Error & PgError & { code: string }): string {
  const where = [
    typeof err.table === 'string' ? `table ${err.table}` : undefined,
    typeof err.constraint === 'string' ? `constraint ${err.constraint}` : undefined,
    typeof err.column === 'string' ? `column ${err.column}` : undefined,
  ].filter(Boolean);
  return `database error ${err.code}${where.length ? ` (${where.join(', ')})` : ''}`;
}

/** Any error as one line safe to keep: database errors by code, anything else without addresses. */
export function summariseError(err: unknown): string {
  if (isPgError(err)) return summariseDbError(err);
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return withoutAddresses(text.split('\n')[0] ?? '').slice(0, 300);
}

/**
 * PostgreSQL errors that the same input raises again (SQLSTATE classes 22
 * data exception and 23 integrity violation): retrying cannot help, so they
 * become non-retryable `DataRejected` failures the guest's workflow records.
 * Any other error is retried; its text is summarised all the same.
 */
/**
 * Every activity (activities/index.ts): a PostgreSQL error that no step turned into a failure of its own leaves
 * the activity as its summary, still retried — knex puts the statement with its values in the message, and an
 * activity's failure is kept in the workflow's history.
 */
export function withDatabaseErrorsSummarised<T extends object>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        try {
          return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        } catch (err) {
          if (isPgError(err)) throw ApplicationFailure.retryable(summariseDbError(err), 'DatabaseError');
          throw err;
        }
      },
    ]),
  ) as T;
}

export async function failFastOnDataErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isPgError(err)) {
      const summary = summariseDbError(err);
      if (/^2[23]/.test(err.code)) throw ApplicationFailure.nonRetryable(summary, 'DataRejected');
      throw ApplicationFailure.retryable(summary, 'DatabaseError');
    }
    throw err;
  }
}

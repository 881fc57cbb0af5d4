/**
 * Registers the engine's custom search attributes (contracts/guest.ts SEARCH_ATTRIBUTE_KEYS) on a Temporal
 * server: the dev server gets them as `--search-attribute` flags (stack/temporal-dev.ts), the time-skipping test
 * servers through the operator service (test/helpers.ts, sim/cli.ts). A cluster or a Cloud namespace gets them
 * once, by the command in docs/operations.md "Search attributes". A workflow that upserts an attribute the
 * server does not know fails its task, so every server the worker talks to needs them.
 */
import type { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../contracts/guest.js';

/** The proto's IndexedValueType of each attribute type the engine uses. */
const INDEXED_VALUE_TYPE = { KEYWORD: 2, INT: 3 } as const;
/** The CLI's name of each attribute type the engine uses. */
const CLI_TYPE = { KEYWORD: 'Keyword', INT: 'Int' } as const;

/** `temporal server start-dev` flags: `--search-attribute GuestStage=Keyword …`. */
export function devServerSearchAttributeFlags(): string[] {
  return SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=${CLI_TYPE[k.type]}`]);
}

/** The `temporal operator search-attribute create` arguments for a cluster or a Cloud namespace. */
export function operatorCommand(namespace: string): string {
  const pairs = SEARCH_ATTRIBUTE_KEYS.map((k) => `--name ${k.name} --type ${CLI_TYPE[k.type]}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${pairs}`;
}

/** Adds them through the operator service (the time-skipping test server has no CLI for it). */
export async function registerSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type]]),
    ),
  });
}

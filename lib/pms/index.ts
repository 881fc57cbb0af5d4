/** The PMS adapters configured by the environment (config.ts, docs/pms.md): a client per adapter with credentials. */
import type { Config } from '../../config.js';
import { apaleoClient } from './apaleo.js';
import { mewsClient } from './mews.js';
import type { PmsAdapter, PmsClient } from './types.js';

export * from './types.js';

export type PmsClients = Partial<Record<PmsAdapter, PmsClient>>;

/** `EnterpriseId=CODE,…` → a map. */
export function parsePropertyCodes(value: string | undefined): Record<string, string> {
  if (!value) return {};
  return Object.fromEntries(
    value
      .split(',')
      .map((p) => p.trim().split('='))
      .filter((kv): kv is [string, string] => kv.length === 2),
  );
}

export function pmsClientsFromConfig(config: Config): PmsClients {
  const timeoutMs = config.PMS_FETCH_TIMEOUT_SECONDS * 1000;
  const clients: PmsClients = {};
  if (config.APALEO_CLIENT_ID && config.APALEO_CLIENT_SECRET)
    clients.apaleo = apaleoClient({
      apiUrl: config.APALEO_API_URL,
      identityUrl: config.APALEO_IDENTITY_URL,
      clientId: config.APALEO_CLIENT_ID,
      clientSecret: config.APALEO_CLIENT_SECRET,
      timeoutMs,
    });
  if (config.MEWS_CLIENT_TOKEN && config.MEWS_ACCESS_TOKEN)
    clients.mews = mewsClient({
      apiUrl: config.MEWS_API_URL,
      clientToken: config.MEWS_CLIENT_TOKEN,
      accessToken: config.MEWS_ACCESS_TOKEN,
      client: config.MEWS_CLIENT,
      timeoutMs,
      propertyCodes: parsePropertyCodes(config.MEWS_PROPERTY_CODES),
    });
  return clients;
}

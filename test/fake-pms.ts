/**
 * A fake PMS over real HTTP on loopback, for the adapters' tests: Apaleo's identity server and booking API
 * (`/connect/token`, `/booking/v1/reservations[/:id]`) and Mews's Connector API (`reservations/getAll/2023-06-06`,
 * `customers/getAll`, `orderItems/getAll`), serving the reservations a test puts in. A test can change a
 * reservation (`apaleo.set`, `mews.set`), make one answer 404 (`missing`), and count the fetches of each id.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApaleoReservation } from '../lib/pms/apaleo.js';
import type { MewsCustomer, MewsOrderItem, MewsReservationRecord } from '../lib/pms/mews.js';

export const FAKE_APALEO_CLIENT = { clientId: 'fake-apaleo-client', clientSecret: 'fake-apaleo-secret' };
export const FAKE_MEWS_TOKENS = {
  clientToken: 'fake-mews-client-token',
  accessToken: 'fake-mews-access-token',
};
const BEARER = 'fake-apaleo-access-token';

export interface FakePms {
  url: string;
  apaleo: Map<string, ApaleoReservation>;
  mews: {
    reservations: Map<string, MewsReservationRecord>;
    customers: Map<string, MewsCustomer>;
    orderItems: Map<string, MewsOrderItem[]>;
  };
  /** Ids answered 404 (Apaleo) or left out (Mews) although they may be there. */
  missing: Set<string>;
  /** Fetches of one reservation by id (not the list calls). */
  fetches(id: string): number;
  /** List calls (pages). */
  listCalls: number;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const overlaps = (arrival: string, departure: string, from: string, to: string) =>
  arrival.slice(0, 10) <= to.slice(0, 10) && departure.slice(0, 10) >= from.slice(0, 10);

export async function startFakePms(): Promise<FakePms> {
  const apaleo = new Map<string, ApaleoReservation>();
  const mews = {
    reservations: new Map<string, MewsReservationRecord>(),
    customers: new Map<string, MewsCustomer>(),
    orderItems: new Map<string, MewsOrderItem[]>(),
  };
  const missing = new Set<string>();
  const fetchCounts = new Map<string, number>();
  const counted = (id: string) => fetchCounts.set(id, (fetchCounts.get(id) ?? 0) + 1);
  const state = { listCalls: 0 };

  const server: Server = createServer((req, res) => {
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const path = url.pathname;
      if (req.method === 'POST' && path === '/connect/token') {
        const basic = Buffer.from(
          `${FAKE_APALEO_CLIENT.clientId}:${FAKE_APALEO_CLIENT.clientSecret}`,
        ).toString('base64');
        if (req.headers.authorization !== `Basic ${basic}`) return send(401, { error: 'invalid_client' });
        return send(200, { access_token: BEARER, expires_in: 3600, token_type: 'Bearer' });
      }
      if (path.startsWith('/booking/v1/reservations')) {
        if (req.headers.authorization !== `Bearer ${BEARER}`) return send(401, { message: 'unauthorized' });
        const id = decodeURIComponent(path.slice('/booking/v1/reservations/'.length));
        if (id) {
          counted(id);
          const r = apaleo.get(id);
          if (!r || missing.has(id)) return send(404, { messages: [`Reservation ${id} not found`] });
          return send(200, r);
        }
        state.listCalls += 1;
        const from = url.searchParams.get('from') ?? '0000';
        const to = url.searchParams.get('to') ?? '9999';
        const pageNumber = Number(url.searchParams.get('pageNumber') ?? '1');
        const pageSize = Number(url.searchParams.get('pageSize') ?? '100');
        const all = [...apaleo.values()]
          .filter((r) => !missing.has(r.id) && overlaps(r.arrival, r.departure, from, to))
          .sort((a, b) => a.id.localeCompare(b.id));
        if (all.length === 0) {
          res.writeHead(204);
          return res.end();
        }
        return send(200, {
          reservations: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
          count: all.length,
        });
      }
      if (path.startsWith('/api/connector/v1/')) {
        const body = await bodyOf(req);
        if (
          body.ClientToken !== FAKE_MEWS_TOKENS.clientToken ||
          body.AccessToken !== FAKE_MEWS_TOKENS.accessToken
        )
          return send(401, { Message: 'Invalid access token.' });
        const op = path.slice('/api/connector/v1/'.length);
        const limitation = (body.Limitation ?? {}) as { Count?: number; Cursor?: string };
        if (op === 'reservations/getAll/2023-06-06') {
          const ids = body.ReservationIds as string[] | undefined;
          if (ids) {
            ids.forEach(counted);
            return send(200, {
              Reservations: ids.filter((i) => !missing.has(i)).flatMap((i) => mews.reservations.get(i) ?? []),
              Cursor: null,
            });
          }
          state.listCalls += 1;
          const window = body.ScheduledEndUtc as { StartUtc: string; EndUtc: string };
          const all = [...mews.reservations.values()]
            .filter(
              (r) =>
                !missing.has(r.Id) &&
                r.ScheduledEndUtc >= window.StartUtc &&
                r.ScheduledEndUtc <= window.EndUtc,
            )
            .sort((a, b) => a.Id.localeCompare(b.Id));
          const start = limitation.Cursor ? all.findIndex((r) => r.Id === limitation.Cursor) + 1 : 0;
          const page = all.slice(start, start + (limitation.Count ?? 100));
          return send(200, { Reservations: page, Cursor: page.at(-1)?.Id ?? null });
        }
        if (op === 'customers/getAll') {
          const ids = (body.CustomerIds as string[] | undefined) ?? [];
          return send(200, { Customers: ids.flatMap((i) => mews.customers.get(i) ?? []), Cursor: null });
        }
        if (op === 'orderItems/getAll') {
          const ids = (body.ServiceOrderIds as string[] | undefined) ?? [];
          return send(200, { OrderItems: ids.flatMap((i) => mews.orderItems.get(i) ?? []), Cursor: null });
        }
      }
      return send(404, { message: `no route ${req.method} ${path}` });
    })().catch(() => send(500, { message: 'fake PMS failed' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apaleo,
    mews,
    missing,
    fetches: (id) => fetchCounts.get(id) ?? 0,
    get listCalls() {
      return state.listCalls;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);

/** An Apaleo reservation of `n`, checked out `daysAgo` days ago after `nights` nights. */
export function apaleoReservation(
  n: number,
  over: Partial<ApaleoReservation> & { daysAgo?: number; nights?: number; email?: string } = {},
): ApaleoReservation {
  const { daysAgo = 2, nights = 2, email, ...rest } = over;
  const departure = Date.now() - daysAgo * 86_400_000;
  const arrival = departure - nights * 86_400_000;
  return {
    id: `FAKE${String(n).padStart(4, '0')}-1`,
    bookingId: `FAKE${String(n).padStart(4, '0')}`,
    status: 'CheckedOut',
    arrival: `${day(arrival)}T15:00:00+00:00`,
    departure: `${day(departure)}T11:00:00+00:00`,
    created: iso(arrival - 30 * 86_400_000),
    checkInTime: `${day(arrival)}T15:30:00Z`,
    checkOutTime: `${day(departure)}T10:00:00Z`,
    property: { id: 'FAKE', code: 'FAKE' },
    unitGroup: { id: 'FAKE-DBL', code: 'DBL' },
    totalGrossAmount: { amount: 1000 + n, currency: 'CNY' },
    primaryGuest: {
      firstName: 'Apaleo',
      lastName: `Guest ${n}`,
      email: email ?? `apaleo-guest-${n}@example.com`,
      preferredLanguage: 'en',
    },
    channelCode: 'Direct',
    ...rest,
  };
}

/** A Mews reservation of `n` in `state` with its customer and (processed) order items, put into `fake`. */
export function putMewsReservation(
  fake: FakePms,
  n: number,
  state: 'Confirmed' | 'Started' | 'Processed' | 'Canceled' = 'Processed',
  { daysAgo = 2, nights = 2 }: { daysAgo?: number; nights?: number } = {},
): MewsReservationRecord {
  const end = Date.now() - daysAgo * 86_400_000;
  const start = end - nights * 86_400_000;
  const id = `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`;
  const customerId = `10000000-0000-4000-9000-${String(n).padStart(12, '0')}`;
  const r: MewsReservationRecord = {
    Id: id,
    EnterpriseId: 'fake-enterprise',
    AccountId: customerId,
    State: state,
    CreatedUtc: iso(start - 20 * 86_400_000),
    UpdatedUtc: iso(end),
    ScheduledStartUtc: `${day(start)}T14:00:00Z`,
    ActualStartUtc: state === 'Confirmed' ? null : `${day(start)}T14:20:00Z`,
    ScheduledEndUtc: `${day(end)}T10:00:00Z`,
    ActualEndUtc: state === 'Processed' ? `${day(end)}T09:40:00Z` : null,
    CancelledUtc: state === 'Canceled' ? iso(start - 86_400_000) : null,
  };
  fake.mews.reservations.set(id, r);
  fake.mews.customers.set(customerId, {
    Id: customerId,
    FirstName: 'Mews',
    LastName: `Guest ${n}`,
    Email: `mews-guest-${n}@example.com`,
    LanguageCode: 'en-GB',
  });
  fake.mews.orderItems.set(
    id,
    Array.from({ length: nights }, (_, i) => ({
      Id: `${id}-night-${i}`,
      ServiceOrderId: id,
      Type: 'SpaceOrder',
      AccountingState: 'Closed',
      Amount: { Currency: 'CNY', GrossValue: 500 + n },
    })),
  );
  return r;
}

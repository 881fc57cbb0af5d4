/**
 * Who is signed in, and the hotel whose clock the console shows. The session lives in an HttpOnly cookie the
 * page cannot read (api/session.ts); the console asks `GET /v1/session` who it is. The chosen hotel (its
 * property code) is remembered in localStorage; its zone labels every time shown.
 */
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get, setUnauthenticatedHandler } from './api';
import { browserZone } from './format';
import type { Property, Session } from './types';

interface SessionContextValue {
  session: Session | null;
  signIn: (key: string) => Promise<void>;
  signOut: () => Promise<void>;
  properties: Property[];
  property: string | null;
  setProperty: (code: string | null) => void;
  /** The zone times are shown in: the chosen hotel's, else the browser's. */
  zone: string;
}

const SessionContext = createContext<SessionContextValue | null>(null);
const PROPERTY_KEY = 'console.property';

export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const sessionQuery = useQuery({
    queryKey: ['session'],
    // 200 either way: `{ signedIn: false }` when the browser holds no live session (api/session.ts).
    queryFn: async () => {
      const s = await api<Session | { signedIn: false }>('GET', '/v1/session', { quiet401: true });
      return 'name' in s ? s : null;
    },
    staleTime: 60_000,
  });
  const session = sessionQuery.data ?? null;
  const propertiesQuery = useQuery({
    queryKey: ['properties'],
    queryFn: () => get<{ properties: Property[] }>('/v1/properties'),
    enabled: !!session?.can.staff || !!session?.can.marketing,
    staleTime: 300_000,
  });
  const [property, setPropertyState] = useState<string | null>(() => localStorage.getItem(PROPERTY_KEY));

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      client.setQueryData(['session'], null);
    });
  }, [client]);

  const value = useMemo<SessionContextValue>(() => {
    const properties = propertiesQuery.data?.properties ?? [];
    const chosen = properties.find((p) => p.code === property);
    return {
      session,
      properties,
      property,
      zone: chosen?.timezone ?? browserZone(),
      setProperty: (code) => {
        if (code) localStorage.setItem(PROPERTY_KEY, code);
        else localStorage.removeItem(PROPERTY_KEY);
        setPropertyState(code);
      },
      signIn: async (key) => {
        const s = await api<Session>('POST', '/v1/session', { body: { key }, quiet401: true });
        client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
        client.setQueryData(['session'], s);
      },
      signOut: async () => {
        await api('DELETE', '/v1/session');
        client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
        client.setQueryData(['session'], null);
      },
    };
  }, [session, propertiesQuery.data, property, client]);

  if (sessionQuery.isPending) return null;
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

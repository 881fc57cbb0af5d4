/** The console's sign-in and the hotels in the OpenAPI document (api/openapi/document.ts). */
import { z } from 'zod';
import { area, fieldsOf, instantOrNull } from '../openapi/spec.js';
import type { PropertyRow } from '../../db/repositories/properties.js';
import { sessionBody, type view } from './session.js';

type SessionView = ReturnType<typeof view>;

const text = (description?: string) => z.string().meta(description ? { description } : {});

const sessionShape = fieldsOf<SessionView>()('', {
  name: text("The key's name (who the audit names)."),
  role: text('`ops`, `manager`, `marketer` or `admin`.'),
  expiresAt: instantOrNull('When the session ends; null for a key sent in the header.'),
  can: z.record(z.string(), z.boolean()).meta({
    description:
      'Per audience of api/access.ts (`staff`, `manager`, `admin`, `marketing`, `anyStaff`): whether the role is in it.',
  }),
}).shape;

const signedIn = z
  .object({ signedIn: z.literal(true), via: z.enum(['session', 'key']), ...sessionShape })
  .meta({ description: 'Who is signed in.' });
const signedOut = z.object({ signedIn: z.literal(false) }).meta({ description: 'Nobody is signed in.' });

const properties = z
  .object({
    properties: z.array(
      fieldsOf<PropertyRow>()('A hotel.', {
        code: text('The property code the PMS uses.'),
        name: text().nullable(),
        timezone: text('IANA zone; null for a code without settings.').nullable(),
      }),
    ),
  })
  .meta({ description: 'The hotels, by code.' });

export const consoleArea = area({
  tag: 'Console sign-in and hotels',
  description:
    'The staff console (`/console/`) trades an API key for an HttpOnly, SameSite=Strict session cookie; every staff route accepts the cookie where it accepts the key (a write with it also needs `X-Console: 1`).',
  operations: {
    'POST /v1/session': {
      summary: 'Sign in: an API key for a session cookie',
      description:
        'Answers with `Set-Cookie: gle_session=…; Path=/; HttpOnly; SameSite=Strict; Max-Age=…` (CONSOLE_SESSION_HOURS; `Secure` with CONSOLE_SECURE_COOKIE). Only the hash of the token is stored.',
      body: { schema: sessionBody },
      answers: {
        200: {
          description: 'Signed in.',
          schema: z.object(sessionShape).meta({ description: 'Who is signed in.' }),
        },
      },
      errors: [
        {
          status: 401,
          codes: ['unauthenticated'],
          when: 'an unknown or revoked key (`details.field`: `key`)',
        },
      ],
    },
    'GET /v1/session': {
      summary: 'Who is signed in',
      description:
        'With the session cookie, or an `Authorization: Bearer` key (checked as on every route). A browser without a live session gets `{ signedIn: false }`, not a 401.',
      answers: { 200: { description: 'Signed in or not.', schema: z.union([signedIn, signedOut]) } },
    },
    'DELETE /v1/session': {
      summary: 'Sign out',
      description: 'Deletes the session and clears the cookie.',
      answers: { 200: { description: 'Signed out.', schema: signedOut } },
    },
    'GET /v1/properties': {
      summary: 'The hotels',
      description: 'Those with settings (name, zone) and any other code a stay or booking names.',
      answers: { 200: { description: 'The hotels.', schema: properties } },
    },
  },
});

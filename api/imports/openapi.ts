/** `/v1/admin/imports` in the OpenAPI document: the member import (api/imports/router.ts, docs/import.md). */
import { z } from 'zod';
import { area, fieldsOf, instantOut } from '../openapi/spec.js';
import { importParams, uploadQuery } from './router.js';
import type { ImportView } from './service.js';

const int = (description?: string) =>
  z
    .number()
    .int()
    .meta(description ? { description } : {});

const importView = fieldsOf<ImportView>()('A member import: its file, where it stands, its counts.', {
  id: int(),
  fileName: z.string(),
  fileHash: z.string().meta({ description: 'SHA-256 of the file: the same file is the same import.' }),
  fileBytes: int(),
  status: z.enum(['running', 'workflows', 'finished', 'failed']).meta({
    description:
      "`running`: reading lines; `workflows`: starting or reloading the guests' workflows; `finished`; `failed`: stopped (`error`) — upload the same file again to continue after its last committed batch.",
  }),
  createdBy: z.string().meta({ description: "The key's name that uploaded it." }),
  startedAt: instantOut(),
  rowsDoneAt: instantOut('When the last line was committed.').nullable(),
  finishedAt: instantOut().nullable(),
  error: z.string().nullable(),
  rows: fieldsOf<ImportView['rows']>()('The lines read so far, and what they became.', {
    read: int('Lines read (good and bad).'),
    created: int('New guests.'),
    updated: int('Known guests the line changed (profile, membership, balance or tier).'),
    unchanged: int('Known guests the line did not change.'),
    rejected: int('Bad lines (the report gives each field and why).'),
  }),
  workflows: fieldsOf<ImportView['workflows']>()("The guests' workflows started or reloaded.", {
    total: int(),
    done: int(),
  }),
  progress: fieldsOf<ImportView['progress']>()('How far along, and how fast.', {
    fraction: z
      .number()
      .meta({ description: '0 to 1: the lines (by bytes of the file), then the workflows.' }),
    rowsPerSecond: z.number().nullable(),
    etaSeconds: z.number().nullable().meta({ description: 'Seconds left at the rate so far.' }),
  }),
  reportUrl: z.string(),
});

const uploaded = z
  .object({ import: importView, alreadyImported: z.boolean() })
  .meta({ description: 'The import; `alreadyImported`: this file was imported before and nothing changed.' });

const notFound = [{ status: 404, codes: ['import_not_found'], when: 'no import has this id' }] as const;

export const importsArea = area({
  tag: 'Member import',
  description:
    "Importing an existing member base from a CSV file (docs/import.md): guests and memberships, opening balances and tiers, then each guest's workflow.",
  operations: {
    'POST /v1/admin/imports': {
      summary: 'Upload a member file and import it',
      description:
        'The body is the CSV file itself (`Content-Type: text/csv`; columns in docs/import.md), at most 200 MB, streamed to disk and then imported in the background; follow it with `GET /v1/admin/imports/{id}`. The same file again: 200 with the finished import and nothing changed, or, if its import was interrupted, 202 and it continues after its last committed batch.',
      query: uploadQuery,
      body: { schema: z.string().meta({ description: 'The CSV file.' }), anyContentType: true },
      answers: {
        200: { description: 'This file was imported before: nothing changed.', schema: uploaded },
        202: { description: 'Importing in the background.', schema: uploaded },
      },
      errors: [
        { status: 409, codes: ['import_running'], when: 'the same file is being imported now' },
        { status: 413, codes: ['payload_too_large'], when: 'the file is over 200 MB' },
      ],
    },
    'GET /v1/admin/imports': {
      summary: 'The member imports',
      answers: {
        200: {
          description: 'Newest first (50).',
          schema: z.object({ imports: z.array(importView) }),
        },
      },
    },
    'GET /v1/admin/imports/:id': {
      summary: 'One member import, with its progress',
      params: importParams,
      answers: { 200: { description: 'The import.', schema: importView } },
      errors: notFound,
    },
    'GET /v1/admin/imports/:id/report': {
      summary: 'The bad lines of an import, as CSV',
      params: importParams,
      answers: {
        200: {
          description: 'Columns `line,field,message`, by line: the line of the file, the column, why.',
          csv: true,
        },
      },
      errors: notFound,
    },
  },
});

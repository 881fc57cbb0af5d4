/** The routes anyone may call: the health check (api/app.ts) and this description of the API (api/openapi/router.ts). */
import { z } from 'zod';
import { area } from './spec.js';

export const publicArea = area({
  tag: 'Service',
  description: 'The health check and the description of the API. No key.',
  operations: {
    'GET /health': {
      summary: 'Is the API up',
      description: 'For load balancers and probes; says nothing of PostgreSQL or Temporal.',
      answers: { 200: { description: 'Up.', schema: z.object({ status: z.literal('ok') }) } },
    },
    'GET /v1/openapi.json': {
      summary: 'This document: the API in OpenAPI 3.1',
      description:
        'Built from the zod schemas the routes validate with and from api/access.ts (who may call what). Rendered for people at `/docs`.',
      answers: {
        200: {
          description: 'The OpenAPI 3.1 document.',
          schema: z
            .looseObject({ openapi: z.literal('3.1.0') })
            .meta({ description: 'An OpenAPI 3.1 document.' }),
        },
      },
    },
  },
});

import express from 'express';
import { describe, expect, it } from 'vitest';
import { routeLabel, routeSegments } from './metrics.js';

describe('route labels of the metrics', () => {
  const app = express();
  const guests = express.Router();
  guests.get('/:id', (_req, res) => res.end());
  guests.post('/:id/points/redemptions', (_req, res) => res.end());
  const nested = express.Router();
  nested.get('/versions/:version', (_req, res) => res.end());
  guests.use('/:id/cadences', nested);
  app.use('/v1/guests', guests);

  it('learns the literal segments of every route, nested routers too', () => {
    expect([...routeSegments(app)].sort()).toEqual(['points', 'redemptions', 'versions']);
  });

  it('turns every other segment into :id, drops the query, and gives a deep path one label', () => {
    const literals = new Set(['v1', 'guests', ...routeSegments(app)]);
    expect(
      routeLabel('/v1/guests/2f1e0c1a-0000-4000-8000-000000000000/points/redemptions?x=1', literals),
    ).toBe('/v1/guests/:id/points/redemptions');
    expect(routeLabel('/v1/guests/ada.lovelace@guest.example', literals)).toBe('/v1/guests/:id');
    expect(routeLabel('/', literals)).toBe('/');
    expect(routeLabel('/a/b/c/d/e/f/g/h/i', literals)).toBe('unmatched');
  });
});

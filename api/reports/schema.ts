/**
 * The query of every report (`GET /v1/reports/<name>`, api/reports/router.ts): the window `from`–`to` (local
 * days, both counted, at most MAX_REPORT_DAYS), the zone its days are read in, the interval of the series over
 * time and, optionally, one property.
 */
import { z } from 'zod';
import { INTERVALS, MAX_REPORT_DAYS, windowProblem } from '../../domain/reports.js';
import { isoDate, text, timeZone } from '../pms/schema.js';

export const reportQuery = z
  .strictObject({
    /** The first day of the window. */
    from: isoDate(),
    /** The last day of the window (counted). */
    to: isoDate(),
    /** One hotel by its property code; left out, the whole group. */
    property: text(40).optional(),
    /** The zone the days are read in (an instant counts on its local day there); default UTC. */
    zone: timeZone.default('UTC'),
    /** The series' buckets; left out: days up to 62 days, weeks up to 182, else months. */
    interval: z.enum(INTERVALS, { message: `must be one of ${INTERVALS.join(', ')}` }).optional(),
  })
  .check((ctx) => {
    const problem = windowProblem(ctx.value.from, ctx.value.to);
    if (problem)
      ctx.issues.push({
        code: 'custom',
        path: [problem.field],
        message: problem.message,
        input: ctx.value.to,
      });
  })
  .meta({
    description: `The window: \`from\`–\`to\` (both counted, at most ${MAX_REPORT_DAYS} days), read in \`zone\`.`,
  });

export type ReportQuery = z.infer<typeof reportQuery>;

/** `/v1/reports` in the OpenAPI document (api/openapi/document.ts): the query of api/reports/schema.ts, the answers of api/reports/service.ts. */
import { z } from 'zod';
import type { ReportName } from '../../domain/reports.js';
import { area, fieldsOf, type OperationSpec } from '../openapi/spec.js';
import { reportQuery } from './schema.js';
import type { ReportAnswer, WindowView } from './service.js';

const text = (description?: string) => z.string().meta(description ? { description } : {});
const int = (description?: string) =>
  z
    .number()
    .int()
    .meta(description ? { description } : {});
const ratio = (description: string) =>
  z
    .number()
    .nullable()
    .meta({ description: `${description} 0–1 to four decimals; null without a denominator.` });
const counts = (description: string) => z.record(z.string(), z.number().int()).meta({ description });

const windowView = fieldsOf<WindowView>()('The window of the answer, as asked, with the interval used.', {
  from: text('`YYYY-MM-DD`, counted.'),
  to: text('`YYYY-MM-DD`, counted.'),
  zone: text('The IANA zone the days are read in.'),
  interval: text('`day`, `week` (from Monday) or `month`.'),
  property: text('The property code, or null for the whole group.').nullable(),
  buckets: z.array(text()).meta({
    description:
      "The first day of each bucket, in order (the first is `from`: a bucket is cut at the window's ends).",
  }),
});

type A<N extends ReportName> = ReportAnswer<N>;

const stock = (what: string) =>
  z.array(
    z.object({
      bucket: text('The first day of the bucket.'),
      counts: counts(`${what} at the end of the bucket.`),
    }),
  );

const stagesAnswer = fieldsOf<A<'guests-by-stage'>>()('Guests by lifecycle stage over time.', {
  window: windowView,
  stages: z.array(text()).meta({ description: "Every stage, in the lifecycle's order." }),
  series: stock('Guests in each stage'),
});

const tiersAnswer = fieldsOf<A<'guests-by-tier'>>()('Members by tier over time.', {
  window: windowView,
  tiers: z.array(text()).meta({ description: 'Every tier, lowest first.' }),
  series: stock('Members in each tier'),
});

type SM = A<'stays-and-mails'>;
const mailCounts = counts(
  'Guest mails by status now: `sent`, `pending` (held for its time), `failed`, `suppressed`.',
);
const staysAndMailsAnswer = fieldsOf<SM>()('Stays and guest mails per bucket.', {
  window: windowView,
  series: z.array(
    fieldsOf<SM['series'][number]>()('One bucket.', {
      bucket: text(),
      stays: int('Stays departing in the bucket.'),
      nights: int('Their nights.'),
      mails: mailCounts,
    }),
  ),
  totals: fieldsOf<SM['totals']>()('The whole window.', { stays: int(), nights: int(), mails: mailCounts }),
});

type SU = A<'suppressed-mails'>;
const suppressedAnswer = fieldsOf<SU>()('Suppressed guest mails by reason.', {
  window: windowView,
  total: int(),
  reasons: z.array(
    fieldsOf<SU['reasons'][number]>()(
      'A reason of domain/mail-policy.ts (the first word of `suppression_reason`), or `other`.',
      { reason: text(), mails: int(), marketing: int(), transactional: int() },
    ),
  ),
});

type CA = A<'cases'>;
const breaches = counts(
  'Cases whose last escalation in the bucket reached `duty_manager` or `general_manager`.',
);
const casesAnswer = fieldsOf<CA>()('Open cases and SLA breaches.', {
  window: windowView,
  now: fieldsOf<CA['now']>()('Now.', {
    open: int('Cases open now.'),
    breached: int('Of them, escalated (an SLA breached).'),
  }),
  totals: fieldsOf<CA['totals']>()('The whole window.', { opened: int(), resolved: int(), breaches }),
  series: z.array(
    fieldsOf<CA['series'][number]>()('One bucket.', {
      bucket: text(),
      opened: int(),
      resolved: int(),
      breaches,
      openAtEnd: int('Cases open at the end of the bucket.'),
    }),
  ),
});

type CB = A<'cost-buckets'>;
const costAnswer = fieldsOf<CB>()('Cases resolved in the window by 1:10:100 cost bucket.', {
  window: windowView,
  cases: int(),
  units: int('Their cost in units of a case solved the same day.'),
  buckets: z.array(
    fieldsOf<CB['buckets'][number]>()('One bucket: `same_day`, `next_day`, `later`.', {
      bucket: text(),
      weight: int('1, 10 or 100.'),
      cases: int(),
      share: ratio('Of the cases.'),
      units: int('cases × weight.'),
    }),
  ),
});

type RE = A<'retention'>;
const rates = (d: string) =>
  fieldsOf<RE['group']>()(d, {
    base: int('Guests with a stay departing in the 12 months before `from`.'),
    retained: int('Of them, with a stay departing in the window.'),
    retentionRate: ratio('retained / base.'),
    stayed: int('Guests with a stay departing in the window.'),
    repeaters: int('Of them, with two stays or more by `to`.'),
    repeatStayRate: ratio('repeaters / stayed.'),
  });
const retentionAnswer = fieldsOf<RE>()('Retention rate and repeat-stay rate (docs/reports.md).', {
  window: windowView,
  baseFrom: text('The first day of the retention base (`from` − 12 months).'),
  group: rates('The group, or the property asked for.'),
  properties: z.array(rates('One property: its own stays.').extend({ property: text() })),
});

type WB = A<'win-back'>;
const winBackAnswer = fieldsOf<WB>()('Win-backs started in the window and their outcome by its end.', {
  window: windowView,
  totals: fieldsOf<WB['totals']>()('The whole window.', {
    started: int('Lapses (each starts a win-back).'),
    reactivated: int('Came back before another lapse.'),
    churned: int('Churned and did not come back.'),
    open: int('Neither yet.'),
    conversionRate: ratio('reactivated / started.'),
  }),
  series: z.array(
    fieldsOf<WB['series'][number]>()('The win-backs started in one bucket.', {
      bucket: text(),
      started: int(),
      reactivated: int(),
      churned: int(),
      open: int(),
    }),
  ),
});

type SA = A<'satisfaction'>;
type Figures = SA['overall'];
const figureFields = {
  responses: int('Survey answers.'),
  averageScore: z.number().nullable().meta({ description: 'Average score 1–5, two decimals.' }),
  wouldReturn: fieldsOf<Figures['wouldReturn']>()('Intent to return.', {
    yes: int(),
    maybe: int(),
    no: int(),
    yesRate: ratio('yes / responses.'),
  }),
  recommend: fieldsOf<Figures['recommend']>()('Willingness to recommend (0–10; optional).', {
    answered: int(),
    average: z.number().nullable(),
    promoters: int('9–10.'),
    passives: int('7–8.'),
    detractors: int('0–6.'),
    nps: z.number().nullable().meta({ description: 'Net promoter score: % promoters − % detractors.' }),
  }),
};
const satisfactionAnswer = fieldsOf<SA>()('Satisfaction by property and by department.', {
  window: windowView,
  overall: fieldsOf<Figures>()('All answers of the window.', figureFields),
  byProperty: z.array(
    fieldsOf<SA['byProperty'][number]>()('The answers about stays at one property.', {
      property: text(),
      ...figureFields,
    }),
  ),
  byDepartment: z.array(
    fieldsOf<SA['byDepartment'][number]>()(
      "The answers about stays with a service case of the department (`none`: stays without a case), and the guests' answers to its cases' satisfaction checks.",
      {
        department: text(),
        ...figureFields,
        caseChecks: fieldsOf<SA['byDepartment'][number]['caseChecks']>()(
          'Satisfaction checks answered in the window.',
          {
            satisfied: int(),
            unsatisfied: int(),
            satisfiedRate: ratio('satisfied / answered.'),
          },
        ),
      },
    ),
  ),
});

type CR = A<'churn-reasons'>;
const churnAnswer = fieldsOf<CR>()('Why guests left: the answers of the window.', {
  window: windowView,
  total: int(),
  reasons: z.array(
    fieldsOf<CR['reasons'][number]>()('One answer of the "why did you leave" page.', {
      reason: text(),
      guests: int(),
      share: ratio('Of the answers.'),
    }),
  ),
});

const op = (summary: string, description: string, schema: z.ZodType): OperationSpec => ({
  summary,
  description: `${description} docs/reports.md defines it.`,
  query: reportQuery,
  answers: { 200: { description: 'The report.', schema } },
});

export const reportsArea = area({
  tag: 'Reports',
  description:
    "The marketing dashboard's figures, each for a window of local days, the whole group or one property; read-only.",
  operations: {
    'GET /v1/reports/guests-by-stage': op(
      'Guests by lifecycle stage over time',
      'The guests in each stage at the end of each bucket, from the stage history.',
      stagesAnswer,
    ),
    'GET /v1/reports/guests-by-tier': op(
      'Members by tier over time',
      'The members in each tier at the end of each bucket, from the tier history.',
      tiersAnswer,
    ),
    'GET /v1/reports/stays-and-mails': op(
      'Stays and mails per bucket',
      'Stays by departure day; guest mails by the day they were planned, by status.',
      staysAndMailsAnswer,
    ),
    'GET /v1/reports/suppressed-mails': op(
      'Suppressed mails by reason',
      'Guest mails planned in the window and not sent, by the reason of domain/mail-policy.ts.',
      suppressedAnswer,
    ),
    'GET /v1/reports/cases': op(
      'Open cases and SLA breaches',
      "Service cases opened, resolved and escalated per bucket, those open at each bucket's end, and now.",
      casesAnswer,
    ),
    'GET /v1/reports/cost-buckets': op(
      'Cases by cost bucket (1:10:100)',
      'Cases resolved in the window: the same local day (1), the next (10), later (100).',
      costAnswer,
    ),
    'GET /v1/reports/retention': op(
      'Retention rate and repeat-stay rate',
      'For the group (or the property) and per property.',
      retentionAnswer,
    ),
    'GET /v1/reports/win-back': op(
      'Win-back conversion',
      'Win-backs started in the window (lapses) and how many guests came back by its end.',
      winBackAnswer,
    ),
    'GET /v1/reports/satisfaction': op(
      'Satisfaction by property and by department',
      'Survey answers (score, intent to return, recommend) given in the window.',
      satisfactionAnswer,
    ),
    'GET /v1/reports/churn-reasons': op(
      'Churn reasons',
      'The answers to the "why did you leave" question given in the window.',
      churnAnswer,
    ),
  },
});

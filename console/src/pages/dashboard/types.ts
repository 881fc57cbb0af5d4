/** The answers of `GET /v1/reports/<name>` as the dashboard reads them (api/reports/service.ts; docs/reports.md). */
export interface ReportWindow {
  from: string;
  to: string;
  zone: string;
  interval: 'day' | 'week' | 'month';
  property: string | null;
  buckets: string[];
}

type Counts = Record<string, number>;

export interface StockAnswer {
  window: ReportWindow;
  series: { bucket: string; counts: Counts }[];
}
export interface StagesAnswer extends StockAnswer {
  stages: string[];
}
export interface TiersAnswer extends StockAnswer {
  tiers: string[];
}

export interface StaysAndMailsAnswer {
  window: ReportWindow;
  series: { bucket: string; stays: number; nights: number; mails: Counts }[];
  totals: { stays: number; nights: number; mails: Counts };
}

export interface SuppressedAnswer {
  window: ReportWindow;
  total: number;
  reasons: { reason: string; mails: number; marketing: number; transactional: number }[];
}

export interface CasesAnswer {
  window: ReportWindow;
  now: { open: number; breached: number };
  totals: { opened: number; resolved: number; breaches: Counts };
  series: { bucket: string; opened: number; resolved: number; breaches: Counts; openAtEnd: number }[];
}

export interface CostAnswer {
  window: ReportWindow;
  cases: number;
  units: number;
  buckets: { bucket: string; weight: number; cases: number; share: number | null; units: number }[];
}

export interface Rates {
  base: number;
  retained: number;
  retentionRate: number | null;
  stayed: number;
  repeaters: number;
  repeatStayRate: number | null;
}
export interface RetentionAnswer {
  window: ReportWindow;
  baseFrom: string;
  group: Rates;
  properties: (Rates & { property: string })[];
}

export interface WinBackAnswer {
  window: ReportWindow;
  totals: {
    started: number;
    reactivated: number;
    churned: number;
    open: number;
    conversionRate: number | null;
  };
  series: { bucket: string; started: number; reactivated: number; churned: number; open: number }[];
}

export interface Figures {
  responses: number;
  averageScore: number | null;
  wouldReturn: { yes: number; maybe: number; no: number; yesRate: number | null };
  recommend: {
    answered: number;
    average: number | null;
    promoters: number;
    passives: number;
    detractors: number;
    nps: number | null;
  };
}
export interface SatisfactionAnswer {
  window: ReportWindow;
  overall: Figures;
  byProperty: (Figures & { property: string })[];
  byDepartment: (Figures & {
    department: string;
    caseChecks: { satisfied: number; unsatisfied: number; satisfiedRate: number | null };
  })[];
}

export interface ChurnAnswer {
  window: ReportWindow;
  total: number;
  reasons: { reason: string; guests: number; share: number | null }[];
}

/** Each report by its name (the path's last segment). */
export interface Answers {
  'guests-by-stage': StagesAnswer;
  'guests-by-tier': TiersAnswer;
  'stays-and-mails': StaysAndMailsAnswer;
  'suppressed-mails': SuppressedAnswer;
  cases: CasesAnswer;
  'cost-buckets': CostAnswer;
  retention: RetentionAnswer;
  'win-back': WinBackAnswer;
  satisfaction: SatisfactionAnswer;
  'churn-reasons': ChurnAnswer;
}

/** The answers of the marketer API the cadence and template pages read (docs/api.md "Marketing: …"). */
import type { CadenceDiff, CadenceStep } from '../../../../domain/cadence';

export type { CadenceStep, CadenceDiff };

export interface CadenceSummary {
  key: string;
  name: string;
  description: string;
  currentVersion: number | null;
  latestVersion: number | null;
  runningFollowUps: number;
}

export interface VersionMeta {
  version: number;
  status: 'draft' | 'published';
  note: string | null;
  basedOn: number | null;
  createdBy: string;
  createdAt: string;
  publishedBy: string | null;
  publishedAt: string | null;
}

export interface CadenceVersion extends VersionMeta {
  cadence: string;
  steps: CadenceStep[];
}

export interface CadenceDetail {
  key: string;
  name: string;
  description: string;
  currentVersion: number | null;
  current: CadenceVersion | null;
  versions: (VersionMeta & { cadence: string; stepIds: string[] })[];
}

export interface DiffAnswer extends CadenceDiff {
  cadence: string;
  from: number;
  to: number;
}

export interface PreviewMail {
  stepId: string;
  template: string;
  class: string;
  condition: string | null;
  dueAt: string;
  sendAt: string;
  localSendAt: string;
  deferred: boolean;
  templateVersion: number | null;
  subject: string | null;
  text: string | null;
  renderError?: string;
}

export interface PreviewSkip {
  stepId: string;
  template: string;
  class: string;
  condition: string | null;
  dueAt: string;
  skip: string;
  reason: string;
}

export interface PreviewAnswer {
  cadence: string;
  version: number;
  status: string;
  guestId: string;
  locale: string;
  timezone: string;
  now: string;
  stayId: string | null;
  anchors: { checkOut: string; checkIn: string };
  mails: PreviewMail[];
  skipped: PreviewSkip[];
}

export interface DryRunAnswer {
  cadence: string;
  to: number | null;
  toStatus: string | null;
  running: number;
  wouldMove: number;
  versions: {
    version: number;
    running: number;
    stepsDone: Record<string, number>;
    move?: CadenceDiff | null;
  }[];
}

export interface BasePlanAnswer {
  cadence: string;
  version: number;
  status: string;
  now: string;
  running: number;
  planned: number;
  unplanned: number;
  limit: number;
  steps: {
    stepId: string;
    template: string;
    class: string;
    done: number;
    send: number;
    deferred: number;
    skipped: Record<string, number>;
  }[];
  reasons: Record<string, number>;
}

export interface MoveAnswer {
  requestId: string;
  cadence: string;
  fromVersion: number;
  toVersion: number;
  selected: number;
  moved: number;
  failed: { workflowId: string; reason: string; message: string }[];
  remaining: number;
  replayed: boolean;
}

export interface PickedGuest {
  id: string;
  firstName: string;
  lastName: string;
}

// --- templates ------------------------------------------------------------------------------------------------

export const TEMPLATE_LOCALES = ['en', 'zh-CN'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];
export const TEMPLATE_PARTS = ['subject', 'text', 'html'] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];
export type LocaleText = Record<TemplatePart, string>;
export type TemplateTexts = Record<TemplateLocale, LocaleText>;

export interface TemplateSummary {
  key: string;
  currentVersion: number | null;
  latestVersion: number | null;
  drafts: number;
  locales: string[];
  placeholders: string[];
}

export interface TemplateDetail {
  key: string;
  currentVersion: number | null;
  locales: string[];
  placeholders: string[];
  builtIn: { locales: TemplateTexts };
  versions: VersionMeta[];
}

export interface TemplateVersion extends VersionMeta {
  template: string;
  locales: TemplateTexts;
}

export interface TemplateIssue {
  field: string;
  code: string;
  message: string;
  placeholder?: string;
  line?: number;
  column?: number;
}

export interface TemplateCheck {
  template: string;
  ok: boolean;
  placeholders: string[];
  issues: TemplateIssue[];
}

/**
 * Stored template versions (db/repositories/templates.ts) as the renderer takes them, and the preview of a
 * template for one guest (the marketer API): the guest's locale and name, sample values for everything else.
 */
import { withLayout } from './layout.js';
import { sampleVars } from './samples.js';
import {
  renderTemplate,
  TEMPLATE_LOCALES,
  type RenderedMail,
  type TemplateLocale,
  type TemplateName,
  type TemplateText,
} from './templates.js';
import type { TemplateSource } from './types.js';

/** A stored version as the renderer reads it: what db/repositories/templates.ts `TemplateVersion` holds of it. */
export interface StoredTemplate {
  template_key: string;
  version: number;
  status: 'draft' | 'published';
  published_at: Date | null;
  /** By locale (`en`, `zh-CN`). */
  locales: Record<string, TemplateSource>;
}

/** A stored version's text for renderTemplate; a published version is compiled once (it never changes). */
export function storedText(v: StoredTemplate): TemplateText {
  const locales = {} as Record<TemplateLocale, TemplateSource>;
  for (const locale of TEMPLATE_LOCALES) {
    const text = v.locales[locale];
    if (!text) throw new Error(`template '${v.template_key}' version ${v.version} has no '${locale}' text`);
    locales[locale] = text;
  }
  return v.status === 'published'
    ? { locales, cacheKey: `${v.template_key}@${v.version}:${v.published_at?.toISOString() ?? ''}` }
    : { locales };
}

export interface TemplatePreview extends RenderedMail {
  /** The values that stand in for a real mail's data: every variable not given in `known`. */
  sampleVars: Record<string, string | number | boolean>;
}

/**
 * Template `name` (a stored version, or the built-in one) as guest `guest` would get it: the guest's locale
 * and name, the `known` values (a real stay's), sample values for the rest.
 */
export function previewTemplate(
  name: TemplateName,
  guest: { first_name: string; last_name: string; locale: string },
  stored: StoredTemplate | undefined,
  known: Record<string, string | number | boolean> = {},
): TemplatePreview {
  const samples = Object.fromEntries(
    Object.entries(sampleVars(name)).filter(([k]) => !Object.hasOwn(known, k)),
  );
  const rendered = renderTemplate(
    name,
    guest.locale,
    { firstName: guest.first_name, lastName: guest.last_name, ...samples, ...known },
    stored ? storedText(stored) : undefined,
  );
  return { ...withLayout(rendered), sampleVars: samples };
}

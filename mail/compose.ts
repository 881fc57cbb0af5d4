/**
 * How the built-in templates are written: a subject, a greeting, paragraphs and a sign-off become a text and
 * an html body that say the same (`html` paragraphs may hold markup). A paragraph with `if` (or `unless`)
 * is only there when that variable is truthy (or not), separators included. Used by the lifecycle, cadence,
 * care and case templates.
 */
import type { TemplateSource } from './types.js';

export type Localised = Record<'en' | 'zh-CN', TemplateSource>;

export interface Para {
  text: string;
  html?: string;
  /** Only when this variable is truthy; `unless` only when it is not. */
  if?: string;
  unless?: string;
}

export function mail(subject: string, greeting: string, paragraphs: Para[], sign: string): TemplateSource {
  const wrap = (para: Para, body: string) =>
    para.if
      ? `{{#if ${para.if}}}${body}{{/if}}`
      : para.unless
        ? `{{#unless ${para.unless}}}${body}{{/unless}}`
        : body;
  return {
    subject,
    text: [greeting, ...paragraphs.map((para) => wrap(para, `\n\n${para.text}`)), `\n\n${sign}`].join(''),
    html: [
      `<p>${greeting}</p>`,
      ...paragraphs.map((para) => wrap(para, `\n<p>${para.html ?? para.text}</p>`)),
      `\n<p>${sign}</p>`,
    ].join(''),
  };
}

/** A paragraph: its text, its html when it differs, and the variable it depends on. */
export const p = (text: string, html?: string, when?: string): Para => ({
  text,
  ...(html !== undefined ? { html } : {}),
  ...(when ? { if: when } : {}),
});

/** A mail to the guest in English, from Guest Relations. */
export const en = (subject: string, ...paragraphs: Para[]) =>
  mail(subject, 'Dear {{firstName}} {{lastName}},', paragraphs, 'Guest Relations');
/** A mail to the guest in Chinese, from Guest Relations. */
export const zh = (subject: string, ...paragraphs: Para[]) =>
  mail(subject, '尊敬的{{lastName}}{{firstName}}：', paragraphs, '宾客关系部');

/**
 * The logic-less subset a stored template is written in, and its check at save (docs/api.md "The template
 * language (stored versions)": an unknown placeholder is refused, naming it). A stored template may hold only
 *
 * - text, and Handlebars comments `{{! … }}`;
 * - `{{name}}`: a known placeholder (escaped in html; subject and text are plain text);
 * - `{{helper arg …}}`: a formatting helper (`tierName v`, `date v`, `offerText v`, `plural v "one" "many"`),
 *   each argument a known placeholder or a literal;
 * - `{{#if v}}…{{else}}…{{/if}}`, `{{#unless v}}…{{/unless}}`, `{{#eq v "x"}}…{{/eq}}` on a known placeholder.
 *
 * Nothing else: no `{{{raw}}}` or `{{& raw}}` output, no partials, no `#each` / `#with` or sections on a
 * variable (`{{#v}}`, `{{^v}}`), no paths (`a.b`, `../a`, `this`, `@data`), no sub-expressions or hash
 * arguments. The known placeholders of a template are the guest fields the renderer supplies (`firstName`,
 * `lastName`), the variables its code definition declares (`vars`: a template's own links such as `whyUrl` or
 * `surveyUrl` among them), and the links the renderer adds to every mail (`unsubscribeUrl`, empty for
 * transactional mail). A text that passes is then rendered with sample values (samples.ts) in both locales, so
 * a helper fed the wrong kind of value is refused too.
 */
import Handlebars from 'handlebars';
import { BLOCK_HELPERS, INLINE_HELPERS } from './helpers.js';
import { sampleVars } from './samples.js';
import {
  renderTemplate,
  TEMPLATE_LOCALES,
  templateVars,
  type TemplateLocale,
  type TemplateName,
} from './templates.js';
import type { TemplateSource } from './types.js';

/** The guest's fields every mail gets (from the guest row). */
export const GUEST_VARS = ['firstName', 'lastName'] as const;
/** Links the renderer adds to every mail: `unsubscribeUrl` (marketing mail; '' for transactional mail). */
export const LINK_VARS = ['unsubscribeUrl'] as const;

export const TEMPLATE_PARTS = [
  'subject',
  'html',
  'text',
] as const satisfies readonly (keyof TemplateSource)[];

export type TemplateProblemCode =
  'unknown_placeholder' | 'unknown_helper' | 'unsupported_syntax' | 'syntax_error' | 'does_not_render';

export interface TemplateProblem {
  /** `locales.en.html` */
  field: string;
  code: TemplateProblemCode;
  message: string;
  /** The unknown placeholder or helper. */
  placeholder?: string;
  /** 1-based line in the field where Handlebars found it. */
  line?: number;
  /** 1-based column of that line (the placeholder's own, for an unknown one), so an editor can point at it. */
  column?: number;
}

/** The placeholders template `name` may use, in a fixed order. */
export function knownPlaceholders(name: TemplateName): string[] {
  return [...GUEST_VARS, ...(templateVars[name] as readonly string[]), ...LINK_VARS];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Node = hbs.AST.Node;

/** The problems of one field's source (no render). */
export function checkSource(source: string, known: ReadonlySet<string>, field: string): TemplateProblem[] {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (err) {
    // Handlebars' message quotes the source; only the line is passed on.
    const line = /line (\d+)/.exec((err as Error).message)?.[1];
    return [
      {
        field,
        code: 'syntax_error',
        message: `does not parse${line ? ` (line ${line})` : ''}: check the {{ }} pairs and block ends`,
        ...(line ? { line: Number(line) } : {}),
      },
    ];
  }
  const problems: TemplateProblem[] = [];
  // Handlebars' columns are 0-based; the answer's are 1-based, as an editor counts.
  const lineOf = (node: Node) =>
    node.loc?.start?.line ? { line: node.loc.start.line, column: node.loc.start.column + 1 } : {};
  const unsupported = (node: Node, message: string) =>
    problems.push({ field, code: 'unsupported_syntax', message, ...lineOf(node) });

  /** A simple variable name, or undefined for a path, `this`, `@data` and the like. */
  const simpleName = (expr: hbs.AST.Expression): string | undefined => {
    if (expr.type !== 'PathExpression') return undefined;
    const path = expr as hbs.AST.PathExpression;
    if (path.data || path.depth !== 0 || path.parts.length !== 1 || path.original !== path.parts[0])
      return undefined;
    return IDENTIFIER.test(path.original) ? path.original : undefined;
  };

  const placeholder = (node: Node, expr: hbs.AST.Expression): void => {
    const name = simpleName(expr);
    if (name === undefined) {
      const original = (expr as Partial<hbs.AST.PathExpression>).original;
      unsupported(
        node,
        `'${String(original ?? expr.type)}' is not a placeholder: use a plain name such as {{firstName}}`,
      );
      return;
    }
    if (!known.has(name)) {
      problems.push({
        field,
        code: 'unknown_placeholder',
        placeholder: name,
        message: `unknown placeholder '${name}'; this template knows ${[...known].join(', ')}`,
        ...lineOf(expr.loc ? expr : node),
      });
    }
  };

  const argument = (node: Node, expr: hbs.AST.Expression): void => {
    if (expr.type === 'StringLiteral' || expr.type === 'NumberLiteral' || expr.type === 'BooleanLiteral')
      return;
    if (expr.type === 'SubExpression') {
      unsupported(node, 'sub-expressions (…) are not allowed');
      return;
    }
    placeholder(node, expr);
  };

  const helperCall = (
    node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement,
    helpers: Readonly<Record<string, number>>,
    kind: string,
  ): void => {
    if (node.hash && node.hash.pairs.length > 0)
      unsupported(node, 'hash arguments (name=value) are not allowed');
    const name = simpleName(node.path);
    if (name === undefined || !Object.hasOwn(helpers, name)) {
      problems.push({
        field,
        code: 'unknown_helper',
        ...(name === undefined ? {} : { placeholder: name }),
        message: `unknown ${kind} '${String(name ?? (node.path as Partial<hbs.AST.PathExpression>).original ?? node.path.type)}'; allowed: ${Object.keys(helpers).join(', ')}`,
        ...lineOf(node),
      });
      return;
    }
    const arity = helpers[name]!;
    if (node.params.length !== arity) {
      unsupported(
        node,
        `'${name}' takes ${arity} argument${arity === 1 ? '' : 's'}, not ${node.params.length}`,
      );
      return;
    }
    node.params.forEach((p, i) =>
      // The first argument of a block is the variable it tests; `eq` may compare it with a literal.
      kind === 'block' && i === 0 ? placeholder(node, p) : argument(node, p),
    );
  };

  const visit = (node: Node): void => {
    switch (node.type) {
      case 'Program':
        (node as hbs.AST.Program).body.forEach(visit);
        return;
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement': {
        const m = node as hbs.AST.MustacheStatement;
        if (!m.escaped) {
          unsupported(node, 'unescaped output ({{{…}}} or {{&…}}) is not allowed: use {{name}}');
          return;
        }
        if (m.params.length === 0 && (!m.hash || m.hash.pairs.length === 0)) {
          const name = simpleName(m.path);
          if (name !== undefined && Object.hasOwn(INLINE_HELPERS, name))
            helperCall(m, INLINE_HELPERS, 'helper');
          else placeholder(node, m.path);
          return;
        }
        helperCall(m, INLINE_HELPERS, 'helper');
        return;
      }
      case 'BlockStatement': {
        const b = node as hbs.AST.BlockStatement;
        const name = simpleName(b.path);
        if (b.params.length === 0 && name !== undefined && !Object.hasOwn(BLOCK_HELPERS, name)) {
          unsupported(
            node,
            `sections on a variable ({{#${name}}} or {{^${name}}}) are not allowed: use {{#if ${name}}}`,
          );
        } else if (b.program?.blockParams?.length) {
          unsupported(node, 'block parameters (as |x|) are not allowed');
        } else {
          helperCall(b, BLOCK_HELPERS, 'block');
        }
        if (b.program) visit(b.program);
        if (b.inverse) visit(b.inverse);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
        unsupported(node, 'partials ({{> …}}) are not allowed');
        return;
      default:
        unsupported(node, `${node.type} is not allowed`);
    }
  };
  visit(program);
  return problems;
}

/**
 * Every problem of a template's text in both locales, each naming its field (`<prefix>.<locale>.<part>`):
 * the syntax and placeholders first; if there are none, a render of each part with sample values.
 */
export function checkTemplateText(
  name: TemplateName,
  locales: Record<TemplateLocale, TemplateSource>,
  prefix = 'locales',
): TemplateProblem[] {
  const known = new Set(knownPlaceholders(name));
  const problems: TemplateProblem[] = [];
  for (const locale of TEMPLATE_LOCALES)
    for (const part of TEMPLATE_PARTS)
      problems.push(...checkSource(locales[locale][part], known, `${prefix}.${locale}.${part}`));
  if (problems.length > 0) return problems;

  const vars = { firstName: 'Mei', lastName: 'Wang', ...sampleVars(name) };
  for (const locale of TEMPLATE_LOCALES) {
    for (const part of TEMPLATE_PARTS) {
      const field = `${prefix}.${locale}.${part}`;
      const only = { subject: '', html: '', text: '', [part]: locales[locale][part] } as TemplateSource;
      try {
        const rendered = renderTemplate(name, locale, vars, { locales: { ...locales, [locale]: only } });
        if (part === 'subject' && /[\r\n]/.test(rendered.subject))
          problems.push({ field, code: 'does_not_render', message: 'the subject must render to one line' });
      } catch (err) {
        problems.push({
          field,
          code: 'does_not_render',
          message: `does not render with sample values: ${(err as Error).message.split('\n')[0]}`,
        });
      }
    }
  }
  return problems;
}

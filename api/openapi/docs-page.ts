/**
 * `/docs`: the OpenAPI document (api/openapi/document.ts) rendered as one static HTML page on the server. No
 * script and no inline style: it works under helmet's default Content-Security-Policy with the stylesheet
 * `/docs/docs.css` (api/openapi/docs-css.ts). Grouped by tag, with a table of contents; each operation with
 * its method, path, who may call it, parameters, body fields, answers and errors.
 */
import type { OpenApiDocument } from './document.js';

/** A JSON Schema as the document has it (loosely: the renderer reads what it shows). */
interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  default?: unknown;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface Media {
  schema?: Schema;
}

interface Response {
  $ref?: string;
  description?: string;
  content?: Record<string, Media>;
  headers?: Record<string, { description?: string }>;
}

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, Media> };
  responses?: Record<string, Response>;
  'x-access'?: string;
  'x-roles'?: string[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Text with `code` spans. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** Paragraphs (blank lines between) and `- ` lists. */
function blocks(text: string | undefined): string {
  if (!text) return '';
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = block.split('\n').filter((l) => l.trim() !== '');
      if (lines.length > 0 && lines.every((l) => l.startsWith('- ')))
        return `<ul>${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join('')}</ul>`;
      return `<p>${inline(lines.join(' '))}</p>`;
    })
    .join('\n');
}

/** `#components/schemas/Error` → the schema. */
type Resolve = <T>(node: T) => T;

function resolver(doc: OpenApiDocument): Resolve {
  return <T>(node: T): T => {
    let current: unknown = node;
    for (let hops = 0; hops < 10; hops++) {
      const ref = (current as { $ref?: string } | undefined)?.$ref;
      if (!ref?.startsWith('#/')) break;
      current = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], doc);
    }
    return current as T;
  };
}

/** A short type: `string (uuid)`, `integer`, `"a" | "b"`, `array of object`, `… | null`. */
function typeOf(s: Schema | undefined, resolve: Resolve): string {
  if (!s) return 'any';
  const r = resolve(s);
  if (r.const !== undefined) return JSON.stringify(r.const);
  if (r.enum) return r.enum.map((v) => JSON.stringify(v)).join(' | ');
  const variants = r.anyOf ?? r.oneOf;
  if (variants) return [...new Set(variants.map((v) => typeOf(v, resolve)))].join(' | ');
  const types = Array.isArray(r.type) ? r.type : r.type ? [r.type] : [];
  if (types.length === 0) return r.properties ? 'object' : 'any';
  return types
    .map((t) => {
      if (t === 'array') return `array of ${typeOf(r.items, resolve)}`;
      if (t === 'string' && r.format) return `string (${r.format})`;
      if (
        t === 'object' &&
        r.additionalProperties &&
        typeof r.additionalProperties === 'object' &&
        !r.properties
      )
        return `map of ${typeOf(r.additionalProperties, resolve)}`;
      return t;
    })
    .join(' | ');
}

/** A field's description and its constraints, as one note. */
function noteOf(description: string | undefined, s: Schema | undefined): string {
  const rules = s ? rulesOf(s).join('; ') : '';
  if (!description) return rules;
  return rules ? `${description.replace(/\.$/, '')} — ${rules}` : description;
}

/** The constraints of a field, in words. */
function rulesOf(s: Schema): string[] {
  const out: string[] = [];
  const range = (lo: number | undefined, hi: number | undefined, unit: string) => {
    if (lo !== undefined && hi !== undefined) out.push(`${lo}–${hi}${unit}`);
    else if (lo !== undefined) out.push(`at least ${lo}${unit}`);
    else if (hi !== undefined) out.push(`at most ${hi}${unit}`);
  };
  range(s.minLength, s.maxLength, ' characters');
  range(s.minimum, s.maximum, '');
  if (s.exclusiveMinimum !== undefined) out.push(`above ${s.exclusiveMinimum}`);
  if (s.exclusiveMaximum !== undefined) out.push(`below ${s.exclusiveMaximum}`);
  range(s.minItems, s.maxItems, ' items');
  if (s.pattern) out.push(`matches \`${s.pattern}\``);
  if (s.default !== undefined) out.push(`default \`${JSON.stringify(s.default)}\``);
  return out;
}

interface Field {
  name: string;
  type: string;
  required: boolean;
  notes: string;
}

/** The fields of an object schema, nested ones by dotted path (`data.stay.nights`, `steps[].id`). */
function fieldsOf(schema: Schema | undefined, resolve: Resolve, prefix = '', depth = 0): Field[] {
  if (!schema || depth > 5) return [];
  const s = resolve(schema);
  const nullable = (x: Schema) => {
    const r = resolve(x);
    const objects = (r.anyOf ?? r.oneOf)?.filter((v) => resolve(v).type !== 'null');
    return objects?.length === 1 ? resolve(objects[0]!) : r;
  };
  const out: Field[] = [];
  for (const [name, raw] of Object.entries(s.properties ?? {})) {
    const f = resolve(raw);
    const path = `${prefix}${name}`;
    const notes = noteOf(f.description, f);
    out.push({ name: path, type: typeOf(f, resolve), required: s.required?.includes(name) ?? false, notes });
    const inner = nullable(f);
    if (inner.properties) out.push(...fieldsOf(inner, resolve, `${path}.`, depth + 1));
    const items = inner.items && nullable(inner.items);
    if (items?.properties) out.push(...fieldsOf(items, resolve, `${path}[].`, depth + 1));
  }
  return out;
}

function fieldTable(fields: Field[]): string {
  if (fields.length === 0) return '';
  const rows = fields
    .map(
      (f) =>
        `<tr><td><code>${escapeHtml(f.name)}</code>${f.required ? ' <span class="req">required</span>' : ''}</td><td class="type">${escapeHtml(f.type)}</td><td>${inline(f.notes)}</td></tr>`,
    )
    .join('\n');
  return `<table class="fields"><thead><tr><th>field</th><th>type</th><th>notes</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/** A body or answer schema: its fields, or each variant's (the PMS events, by their `type`). */
function schemaBlock(schema: Schema | undefined, resolve: Resolve): string {
  if (!schema) return '';
  const s = resolve(schema);
  const variants = (s.anyOf ?? s.oneOf)?.map((v) => resolve(v));
  if (variants && variants.every((v) => v.properties)) {
    return `${blocks(s.description)}${variants
      .map((v, i) => {
        const t = v.properties?.type && resolve(v.properties.type);
        const value = t?.const ?? t?.enum?.[0];
        const name = typeof value === 'string' ? `\`${value}\`` : `variant ${i + 1}`;
        return `<h5>${inline(name)}</h5>${fieldTable(fieldsOf(v, resolve))}`;
      })
      .join('\n')}`;
  }
  const fields = fieldsOf(s, resolve);
  if (fields.length > 0) return `${blocks(s.description)}${fieldTable(fields)}`;
  return `<p class="type">${escapeHtml(typeOf(s, resolve))}</p>${blocks(s.description)}`;
}

function whoMayCall(op: Operation): string {
  const roles = op['x-roles'] ?? [];
  if (roles.length > 0)
    return `<p class="who"><span class="label">Roles</span> ${roles.map((r) => `<span class="role">${escapeHtml(r)}</span>`).join(' ')}</p>`;
  const label: Record<string, string> = {
    'pms-signature': 'The PMS, by signature (<code>X-Signature</code>)',
    'pms-token': 'Apaleo or Mews, by the token in the path',
    'signed-link': 'The guest, by a signed link',
    public: 'Anyone; no key',
  };
  return `<p class="who"><span class="label">Caller</span> ${label[op['x-access'] ?? ''] ?? escapeHtml(op['x-access'] ?? '')}</p>`;
}

function operationBlock(method: string, path: string, op: Operation, resolve: Resolve): string {
  const id = op.operationId ?? `${method}-${path}`;
  const parts: string[] = [];
  parts.push(
    `<h3><span class="method ${method}">${method.toUpperCase()}</span> <code class="path">${escapeHtml(path)}</code></h3>`,
  );
  if (op.summary) parts.push(`<p class="summary">${inline(op.summary)}</p>`);
  parts.push(whoMayCall(op));
  // The description's first paragraph says who may call it: shown above.
  const description = (op.description ?? '').split(/\n\s*\n/);
  if (/^(Roles|Caller):/.test(description[0] ?? '')) description.shift();
  parts.push(blocks(description.join('\n\n')));

  const params = (op.parameters ?? []).map((p) => resolve(p));
  if (params.length > 0) {
    const rows = params
      .map((p) => {
        const s = p.schema ? resolve(p.schema) : undefined;
        const notes = noteOf(p.description ?? s?.description, s);
        return `<tr><td><code>${escapeHtml(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${escapeHtml(p.in)}</td><td class="type">${escapeHtml(typeOf(s, resolve))}</td><td>${inline(notes)}</td></tr>`;
      })
      .join('\n');
    parts.push(
      `<h4>Parameters</h4><table class="fields"><thead><tr><th>name</th><th>in</th><th>type</th><th>notes</th></tr></thead><tbody>\n${rows}\n</tbody></table>`,
    );
  }

  const body = op.requestBody;
  if (body?.content) {
    const types = Object.keys(body.content);
    parts.push(
      `<h4>Body</h4><p class="media">${types.map((t) => `<code>${escapeHtml(t)}</code>`).join(', ')}${body.required ? '' : ' — optional'}</p>${blocks(body.description)}${schemaBlock(Object.values(body.content)[0]?.schema, resolve)}`,
    );
  }

  const responses = Object.entries(op.responses ?? {});
  const ok = responses.filter(([status]) => Number(status) < 400);
  const errors = responses.filter(([status]) => Number(status) >= 400);
  if (ok.length > 0) {
    parts.push('<h4>Answers</h4>');
    for (const [status, raw] of ok) {
      const r = resolve(raw);
      const types = Object.keys(r.content ?? {});
      const json = r.content?.['application/json']?.schema;
      parts.push(
        `<div class="answer"><p><span class="status ok">${escapeHtml(status)}</span> ${inline(r.description ?? '')}${types.length > 0 ? ` <span class="media">${types.map((t) => `<code>${escapeHtml(t)}</code>`).join(', ')}</span>` : ''}</p>${json ? schemaBlock(json, resolve) : ''}</div>`,
      );
    }
  }
  if (errors.length > 0) {
    const rows = errors
      .map(([status, raw]) => {
        const r = resolve(raw);
        return `<tr><td><span class="status err">${escapeHtml(status)}</span></td><td>${blocks(r.description)}</td></tr>`;
      })
      .join('\n');
    parts.push(
      `<h4>Errors</h4><p class="note">Each as <a href="#errors"><code>{ error: { code, message, details } }</code></a>.</p><table class="errors"><tbody>\n${rows}\n</tbody></table>`,
    );
  }
  return `<article class="op" id="${escapeHtml(id)}">\n${parts.join('\n')}\n</article>`;
}

/** Every operation of the document under its (first) tag, in the tags' order. */
function byTag(doc: OpenApiDocument) {
  const groups = new Map<string, { method: string; path: string; op: Operation }[]>(
    (doc.tags ?? []).map((t) => [t.name, []]),
  );
  for (const [path, item] of Object.entries(doc.paths ?? {}))
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'Other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method, path, op });
    }
  return [...groups].filter(([, ops]) => ops.length > 0);
}

const slug = (s: string) => `tag-${s.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

export function renderDocsPage(doc: OpenApiDocument, opts: { stylesheet: string; json: string }): string {
  const resolve = resolver(doc);
  const groups = byTag(doc);
  const tags = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
  const schemes = Object.entries(doc.components?.securitySchemes ?? {}) as [
    string,
    { description?: string },
  ][];
  const errorSchema = doc.components?.schemas?.Error as Schema | undefined;

  const toc = groups
    .map(
      ([tag, ops]) =>
        `<li><a href="#${slug(tag)}">${escapeHtml(tag)}</a><ul>${ops
          .map(
            ({ method, path, op }) =>
              `<li><a href="#${escapeHtml(op.operationId ?? '')}"><span class="method ${method}">${method.toUpperCase()}</span> ${escapeHtml(path)}</a></li>`,
          )
          .join('')}</ul></li>`,
    )
    .join('\n');

  const sections = groups
    .map(
      ([tag, ops]) =>
        `<section class="tag" id="${slug(tag)}">\n<h2>${escapeHtml(tag)}</h2>\n${blocks(tags.get(tag))}\n${ops
          .map(({ method, path, op }) => operationBlock(method, path, op, resolve))
          .join('\n')}\n</section>`,
    )
    .join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} — reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(opts.stylesheet)}">
</head>
<body>
<header class="top">
<h1>${escapeHtml(doc.info.title)} <span class="version">${escapeHtml(doc.info.version)}</span></h1>
${blocks(doc.info.description)}
<p class="machine">The same as OpenAPI ${escapeHtml(doc.openapi)}: <a href="${escapeHtml(opts.json)}"><code>${escapeHtml(opts.json)}</code></a></p>
</header>
<div class="layout">
<nav class="toc" aria-label="Contents">
<h2>Contents</h2>
<ul>
<li><a href="#auth">Authentication</a></li>
<li><a href="#errors">Errors</a></li>
${toc}
</ul>
</nav>
<main>
<section id="auth">
<h2>Authentication</h2>
<dl>
${schemes.map(([name, s]) => `<dt><code>${escapeHtml(name)}</code></dt><dd>${blocks(s.description)}</dd>`).join('\n')}
<dt>signed links</dt><dd><p>The pages behind the links in mails take no key: the signed, expiring <code>{token}</code> in the path is the authority (lib/links.ts).</p></dd>
</dl>
</section>
<section id="errors">
<h2>Errors</h2>
${blocks(errorSchema?.description)}
${errorSchema ? fieldTable(fieldsOf(errorSchema, resolve)) : ''}
<p>A refused request writes nothing and starts no workflow. No input makes the API answer 5xx: only <code>503</code> (Temporal unreachable) and <code>500 internal</code> (a bug, logged).</p>
</section>
${sections}
</main>
</div>
</body>
</html>
`;
}

// @ts-check
/**
 * Two lint rules that keep the folders pointing one way (docs/architecture.md "Layers"):
 *
 * - `layers/no-cycle`: no file imports itself through other files. Type-only imports count: a type that goes
 *   round a circle couples the files as much as a value does (eslint-plugin-import's no-cycle skips them).
 * - `layers/allowed`: a file imports only the folders its layer may use, e.g. nothing outside the worker imports
 *   workflows/, and contracts/ imports only domain/ and the Temporal workflow API.
 *
 * The graph is read with TypeScript's own pre-processor (every import, export-from and dynamic import of a
 * relative path), once per lint run.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', 'dist', '.data', 'coverage', '.git']);

/** @returns {string[]} every .ts and .tsx file of the project (the console's too), absolute */
function projectFiles() {
  /** @type {string[]} */
  const out = [];
  /** @param {string} dir */
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(ROOT);
  return out;
}

/**
 * A relative specifier as the file it names (`./x.js` is `./x.ts`; the console's `./x` is `./x.ts` or
 * `./x.tsx`), or null when it is a package.
 * @param {string} from absolute path of the importing file
 * @param {string} spec
 */
export function resolveSpecifier(from, spec) {
  if (!spec.startsWith('.')) return null;
  const p = path.resolve(path.dirname(from), spec);
  for (const c of [p.replace(/\.js$/, '.ts'), p, `${p}.ts`, `${p}.tsx`, path.join(p, 'index.ts')]) {
    if (/\.tsx?$/.test(c) && fs.existsSync(c)) return c;
  }
  return null;
}

/** @type {{ edges: Map<string, string[]>, component: Map<string, number>, sizes: number[] } | undefined} */
let graph;

/** Tarjan's strongly connected components over the whole project. */
function buildGraph() {
  /** @type {Map<string, string[]>} */
  const edges = new Map();
  for (const f of projectFiles()) {
    const info = ts.preProcessFile(fs.readFileSync(f, 'utf8'), true, true);
    const targets = info.importedFiles.map((i) => resolveSpecifier(f, i.fileName)).filter((t) => t !== null);
    edges.set(f, [...new Set(targets)]);
  }
  /** @type {Map<string, number>} */ const index = new Map();
  /** @type {Map<string, number>} */ const low = new Map();
  /** @type {Map<string, number>} */ const component = new Map();
  /** @type {number[]} */ const sizes = [];
  /** @type {string[]} */ const stack = [];
  const onStack = new Set();
  let next = 0;
  /** @param {string} v */
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(/** @type {number} */ (low.get(v)), /** @type {number} */ (low.get(w))));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(/** @type {number} */ (low.get(v)), /** @type {number} */ (index.get(w))));
      }
    }
    if (low.get(v) === index.get(v)) {
      const id = sizes.length;
      let size = 0;
      let w;
      do {
        w = /** @type {string} */ (stack.pop());
        onStack.delete(w);
        component.set(w, id);
        size++;
      } while (w !== v);
      sizes.push(size);
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return { edges, component, sizes };
}

/**
 * One circle through `from` and `to` (the shortest way back from `to`), as repository paths.
 * @param {string} from
 * @param {string} to
 */
function circle(from, to) {
  const g = /** @type {NonNullable<typeof graph>} */ (graph);
  const comp = g.component.get(from);
  /** @type {Map<string, string>} */
  const prev = new Map([[to, '']]);
  const queue = [to];
  while (queue.length > 0) {
    const v = /** @type {string} */ (queue.shift());
    if (v === from) break;
    for (const w of g.edges.get(v) ?? []) {
      if (g.component.get(w) !== comp || prev.has(w)) continue;
      prev.set(w, v);
      queue.push(w);
    }
  }
  /** @type {string[]} */
  const way = []; // `to` … `from`, read backwards from `from`
  for (let v = from; v !== ''; v = /** @type {string} */ (prev.get(v))) {
    way.unshift(path.relative(ROOT, v));
    if (v === to) break;
  }
  return [path.relative(ROOT, from), ...way].join(' → ');
}

/**
 * The import nodes of a file with their specifier.
 * @param {import('eslint').Rule.RuleContext} context
 * @param {(node: import('estree').Node, spec: string) => void} check
 */
function eachImport(context, check) {
  /** @param {any} node */
  const onSource = (node) => {
    if (node.source && typeof node.source.value === 'string') check(node, node.source.value);
  };
  return {
    ImportDeclaration: onSource,
    ExportNamedDeclaration: onSource,
    ExportAllDeclaration: onSource,
    ImportExpression: onSource,
  };
}

/** @type {import('eslint').Rule.RuleModule} */
const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'No import circle, type-only imports included.' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    // Read once per run; again when a file is not in it (created since, e.g. by a test).
    if (!graph?.edges.has(file)) graph = buildGraph();
    const comp = graph.component.get(file);
    if (comp === undefined || graph.sizes[comp] < 2) return {};
    return eachImport(context, (node, spec) => {
      const target = resolveSpecifier(file, spec);
      if (target === null || graph?.component.get(target) !== comp) return;
      context.report({ node, message: `Import cycle: ${circle(file, target)}` });
    });
  },
};

/**
 * Options: `{ layers: { <layer>: { may: string[], packages?: string[], typesFrom?: string[] } } }`. A file's layer
 * is its top folder (or its own name at the root). `may`: the layers it may import; `packages`: if given, the
 * only packages it may import; `typesFrom`: repository files it may import with `import type` only.
 * @type {import('eslint').Rule.RuleModule}
 */
const allowed = {
  meta: {
    type: 'problem',
    docs: { description: 'A layer imports only the layers it may.' },
    schema: [{ type: 'object', properties: { layers: { type: 'object' } }, required: ['layers'] }],
  },
  create(context) {
    /** @type {Record<string, { may: string[], packages?: string[], typesFrom?: string[] }>} */
    const layers = context.options[0].layers;
    const file = context.filename;
    /** @param {string} p */
    const layerOf = (p) => path.relative(ROOT, p).split(path.sep)[0];
    const mine = layerOf(file);
    const rule = layers[mine];
    if (!rule) return {};
    return eachImport(context, (node, spec) => {
      const n = /** @type {any} */ (node);
      const typeOnly =
        n.importKind === 'type' ||
        n.exportKind === 'type' ||
        (n.specifiers?.length > 0 && n.specifiers.every((/** @type {any} */ s) => s.importKind === 'type'));
      if (!spec.startsWith('.')) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (rule.packages && !rule.packages.includes(pkg) && !(typeOnly && pkg.startsWith('@temporalio/'))) {
          context.report({
            node,
            message: `${mine}/ imports only ${rule.packages.join(', ')}; not ${spec}.`,
          });
        }
        return;
      }
      const target = resolveSpecifier(file, spec);
      if (target === null) return;
      const theirs = layerOf(target);
      if (theirs === mine || rule.may.includes(theirs)) return;
      if (typeOnly && (rule.typesFrom ?? []).includes(path.relative(ROOT, target))) return;
      context.report({
        node,
        message: `${mine}/ may import ${[...rule.may].join(', ') || 'nothing else'}; not ${theirs} (${spec}). See docs/architecture.md "Layers".`,
      });
    });
  },
};

export default { rules: { 'no-cycle': noCycle, allowed } };

/**
 * The stylesheet of `/docs` (api/openapi/docs-page.ts), served as `/docs/docs.css`: a module rather than a .css
 * file so that `npm run build` (tsc) carries it into dist/ with the code. System fonts only, nothing fetched.
 */
export const DOCS_CSS = `
:root {
  --text: #1d232b;
  --muted: #5b6673;
  --line: #dfe3e8;
  --soft: #f5f7f9;
  --accent: #1f5fa8;
  --get: #1b7f4b;
  --post: #1f5fa8;
  --put: #8a5a00;
  --patch: #8a5a00;
  --delete: #a8322d;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { font-size: 16px; }
body {
  margin: 0;
  color: var(--text);
  background: #fff;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font-family: var(--mono); font-size: 0.88em; background: var(--soft); padding: 0.05em 0.3em; border-radius: 3px; }
h1, h2, h3, h4, h5 { line-height: 1.25; }
h1 { font-size: 1.9rem; margin: 0 0 0.4rem; }
h2 { font-size: 1.45rem; margin: 2.5rem 0 0.6rem; padding-bottom: 0.3rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.1rem; margin: 0 0 0.3rem; display: flex; align-items: center; gap: 0.5rem; flex-wrap: wrap; }
h4 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); margin: 1.2rem 0 0.4rem; }
h5 { font-size: 0.95rem; margin: 1rem 0 0.3rem; }
p { margin: 0.4rem 0; }
ul { padding-left: 1.2rem; margin: 0.3rem 0; }

.top { padding: 2rem 2.5rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--soft); }
.top p { max-width: 60rem; color: var(--muted); }
.version { font-size: 0.9rem; font-weight: 500; color: var(--muted); border: 1px solid var(--line); border-radius: 999px; padding: 0.1rem 0.55rem; vertical-align: middle; background: #fff; }

.layout { display: grid; grid-template-columns: 19rem minmax(0, 1fr); }
.toc {
  position: sticky; top: 0; align-self: start; max-height: 100vh; overflow-y: auto;
  padding: 1.2rem 1rem 2rem 1.5rem; border-right: 1px solid var(--line); font-size: 0.85rem;
}
.toc h2 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); border: 0; margin: 0 0 0.5rem; }
.toc ul { list-style: none; padding: 0; margin: 0; }
.toc > ul > li { margin: 0.55rem 0; font-weight: 600; }
.toc ul ul { margin: 0.25rem 0 0 0; font-weight: 400; }
.toc ul ul li { margin: 0.15rem 0; overflow-wrap: anywhere; }
.toc ul ul a { color: var(--text); font-family: var(--mono); font-size: 0.78rem; }
.toc .method { min-width: 3.1rem; }

main { padding: 0 2.5rem 4rem; max-width: 72rem; }
.op { border: 1px solid var(--line); border-radius: 8px; padding: 1.1rem 1.3rem; margin: 1.2rem 0; scroll-margin-top: 1rem; }
.op .summary { font-size: 1rem; font-weight: 500; margin: 0.1rem 0 0.5rem; }
.path { font-size: 1rem; background: none; padding: 0; }
.method {
  display: inline-block; font-family: var(--mono); font-size: 0.72rem; font-weight: 700; letter-spacing: 0.03em;
  color: #fff; border-radius: 4px; padding: 0.12rem 0.4rem; text-align: center;
}
.method.get { background: var(--get); }
.method.post { background: var(--post); }
.method.put, .method.patch { background: var(--put); }
.method.delete { background: var(--delete); }
.who { font-size: 0.9rem; }
.label { color: var(--muted); font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.05em; margin-right: 0.3rem; }
.role { display: inline-block; border: 1px solid var(--line); border-radius: 999px; padding: 0 0.55rem; font-size: 0.82rem; background: var(--soft); }
.req { color: #a8322d; font-size: 0.72rem; font-weight: 600; }
.type { font-family: var(--mono); font-size: 0.8rem; color: var(--muted); }
.media, .note { color: var(--muted); font-size: 0.85rem; }
.status { display: inline-block; font-family: var(--mono); font-weight: 700; font-size: 0.85rem; border-radius: 4px; padding: 0 0.35rem; }
.status.ok { color: var(--get); background: #e8f5ee; }
.status.err { color: var(--delete); background: #fbecea; }
.answer { margin: 0.5rem 0 0.8rem; }

table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 0.8rem; font-size: 0.86rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--line); }
th { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); font-weight: 600; }
td:first-child { white-space: nowrap; }
table.errors td p, table.errors td ul { margin: 0.1rem 0; }
dl dt { font-weight: 600; margin-top: 0.8rem; }
dl dd { margin: 0.2rem 0 0 1rem; }

@media (max-width: 900px) {
  .layout { display: block; }
  .toc { position: static; max-height: none; border-right: 0; border-bottom: 1px solid var(--line); }
  main, .top { padding-left: 1rem; padding-right: 1rem; }
  td:first-child { white-space: normal; }
}
@media print {
  .toc { display: none; }
  .layout { display: block; }
  .op { break-inside: avoid; }
}
`;

/**
 * The staff console (docs/console.md): a single-page app in console/, built by Vite into dist/console/
 * (`npm run build:console`; `npm run dev`, `npm test` and `npm run build` build it first). The API serves the
 * built files at `/console/` and answers every other `/console/…` path with its index page, where the console's
 * router takes over. The page calls this same API with its session cookie (api/console/session.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/** The project's root: the nearest folder above this file with a package.json (api/console/ or dist/api/console/). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('no package.json above api/console/static.ts');
    dir = up;
  }
  return dir;
}

/** The pages for people this router answers (Express paths), apart from the API's routes. */
export const CONSOLE_PAGES = ['/', '/console/{*rest}'] as const;

export const CONSOLE_BUILD_DIR = path.join(projectRoot(), 'dist', 'console');

export function consoleRouter(dir = CONSOLE_BUILD_DIR): Router {
  const router = Router();
  const index = path.join(dir, 'index.html');
  // Hashed asset names: cached for a year; the index page never (it names the current assets).
  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
  );
  router.use(express.static(dir, { index: false, maxAge: 0 }));
  router.get('/{*rest}', (_req, res) => {
    if (!existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .send('The console is not built: run `npm run build:console` (npm run dev and npm test build it).');
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}

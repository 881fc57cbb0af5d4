/**
 * The console's build (docs/console.md): `npm run build:console` → dist/console/, served by the API at
 * /console/ (api/console/static.ts). No CDN: every script, style and font ships from the project.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The console is served under helmet's Content-Security-Policy: no inline script, so no module-preload
    // polyfill (every browser the console supports has module preload).
    modulePreload: { polyfill: false },
    sourcemap: true,
    chunkSizeWarningLimit: 900,
  },
  server: {
    // `npm run console:dev`: Vite's dev server with hot reload, calling the API of `npm run dev`.
    port: 5173,
    proxy: { '/v1': 'http://127.0.0.1:3000' },
  },
});

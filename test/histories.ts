import { fileURLToPath } from 'node:url';

/** Recorded workflow histories, replayed by workflows/replay.test.ts (record: `npm run record:histories`). */
export const HISTORIES_DIR = fileURLToPath(new URL('./fixtures/histories/', import.meta.url));

/**
 * `npm run build` step: bundles the workflow code once, ahead of time
 * (bundleWorkflowCode), to dist/workflow-bundle.js, which the compiled worker
 * loads with `workflowBundle.codePath` instead of bundling at every start.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../worker.js';

const out = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
const { code } = await bundleWorkflowCode({ workflowsPath });
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, code);
console.log(`workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} KiB)`);

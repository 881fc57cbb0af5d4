/**
 * `npm run bench -- rules-preview [--guests N] [--runs R]`: the tier-change preview (`POST /v1/program/rules/preview`,
 * api/program/drafts.ts `previewRules`: one statement of db/repositories/rules-preview.ts, then the domain's
 * decision per group by both sets of tiers) on the data of bench/guest-data.ts (default 100,000 guests), on a
 * throwaway embedded PostgreSQL. It times R previews after one warm-up and prints the median and the slowest,
 * with the rows the statement returned (groups of members who stand alike) against the guests. No HTTP: the
 * route adds only its JSON of a few hundred bytes.
 */
import { parseArgs } from 'node:util';
import { previewRules } from '../api/program/drafts.js';
import { REVIEW_FACTS_SQL, reviewFacts, reviewFactsBindings } from '../db/repositories/rules-preview.js';
import { activityCuts } from '../domain/tier-review.js';
import { RULES_V2 } from '../domain/default-rules.js';
import { consoleStepLog as log, step } from '../stack/step.js';
import { generateGuestData } from './guest-data.js';
import { BenchError, benchStops, runBench, throwawayPostgres } from './process.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    guests: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '7' },
    explain: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('npm run bench -- rules-preview [--guests N (100000)] [--runs R (7)]');
  process.exit(0);
}
const guests = Number(values.guests);
const runs = Number(values.runs);
if (!Number.isInteger(guests) || guests < 100 || guests > 1_000_000)
  throw new BenchError('--guests: a whole number from 100 to 1,000,000');
if (!Number.isInteger(runs) || runs < 1 || runs > 100)
  throw new BenchError('--runs: a whole number from 1 to 100');

/** Lower thresholds: the draft an admin might try. */
const DRAFT = {
  ...RULES_V2,
  tiers: {
    silver: { nights: 6, stays: 3, basePoints: 12_000, bonusPercent: 20 },
    gold: { nights: 12, stays: 5, basePoints: 30_000, bonusPercent: 80 },
    diamond: { nights: 18, stays: 6, basePoints: 45_000, bonusPercent: 100 },
  },
};

const { onStop, shutdown, stopping } = benchStops();

async function main(): Promise<void> {
  log(`Bench stack (${guests.toLocaleString('en-US')} guests, thrown away):`);
  const { db } = await throwawayPostgres(onStop);
  log('Data:');
  await generateGuestData(db, guests, log);
  await step(log, 'vacuum analyze', () => db.raw('vacuum analyze'));

  const year = new Date().getUTCFullYear();
  const cuts = activityCuts([RULES_V2.tiers, DRAFT.tiers]);
  const groups = await reviewFacts(db, year, cuts);
  const first = await previewRules({ db }, { rules: DRAFT });
  const times: number[] = [];
  for (let i = 0; i < runs && !stopping(); i++) {
    const t0 = performance.now();
    await previewRules({ db }, { rules: DRAFT });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  if (values.explain) {
    const { rows } = await db.raw<{ rows: { 'QUERY PLAN': string }[] }>(
      `explain (analyze, buffers) ${REVIEW_FACTS_SQL}`,
      reviewFactsBindings(year, cuts),
    );
    log(rows.map((r) => r['QUERY PLAN']).join('\n'));
  }
  const median = times[Math.floor(times.length / 2)]!;
  log('');
  log(`Tier-change preview, review of ${year}: ${first.members.toLocaleString('en-US')} members reviewed`);
  log(
    `  statement rows (groups): ${groups.length.toLocaleString('en-US')} for ${guests.toLocaleString('en-US')} guests`,
  );
  log(
    `  changing tier: version ${first.currentVersion} ${first.current.up + first.current.down}, draft ${first.draft.up + first.draft.down}`,
  );
  log(`  ${runs} runs: median ${median.toFixed(0)} ms, slowest ${times[times.length - 1]!.toFixed(0)} ms`);
}

runBench({ main, shutdown, stopping, timeLimitMs: 20 * 60_000 });

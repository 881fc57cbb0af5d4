/**
 * `npm run bench -- campaigns` (or `npm run bench:campaigns`): a campaign to the whole base of the operations
 * bench's data set (bench/guest-data.ts, default 100,000 guests; `--guests N`), on a throwaway stack: embedded
 * PostgreSQL, a Temporal dev server in memory, the SMTP sink (stack/smtp-sink.ts) in this process and a worker
 * in this process with the real activities (the campaign's batches over a pooled transport of `--concurrency`
 * connections, default 8, as the deployed worker's CAMPAIGN_SEND_CONCURRENCY).
 *
 * Every guest is moved to one zone where it is now day (10:00–18:00) and given marketing consent, and the
 * campaign's local send time is a minute ago there: it goes at once, through the whole mail policy (the data's
 * mails count towards the frequency cap; a guest with an open case is suppressed). Holdout 10 %.
 *
 * Measured:
 * - **count preview**: lib/campaigns.ts `previewCampaignCounts` (what `POST /v1/campaigns/:id/preview` runs);
 * - **plan**: from the workflow's start until every guest has its recipient row (`campaigns.planned_at`);
 * - **send rate**: mails the sink received per second, from the first campaign mail to the last, against raw
 *   nodemailer, pooled with as many connections, sending the same number of mails of the same size to the same
 *   sink in the same run (then its rate). Target: campaign ≥ 0.5 × raw;
 * - **history**: the events of every run of the campaign's workflow, per 1,000 guests and the largest run.
 *   Target: no run over 10,240 events.
 *
 * Results also go to `<DATA_DIR>/bench/campaigns.json`. Figures and how to read them: docs/benchmarks.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import nodemailer from 'nodemailer';
import { createActivities } from '../activities/index.js';
import { loadConfigOrExit } from '../config.js';
import { CAMPAIGN_WORKFLOW_TYPE, type CampaignInput, type CampaignResult } from '../contracts/campaign.js';
import * as campaigns from '../db/repositories/campaigns.js';
import { campaignWorkflowId } from '../domain/ids.js';
import { previewCampaignCounts } from '../lib/campaigns.js';
import { createMailer, createPooledMailer, mailerOptions } from '../lib/runtime.js';
import { startSmtpSink } from '../stack/smtp-sink.js';
import { consoleStepLog as log, step } from '../stack/step.js';
import { workflowsPath } from '../worker.js';
import { benchTemporal } from './api-process.js';
import { generateGuestData } from './guest-data.js';
import { BenchError, benchStops, runBench, throwawayPostgres, wholeNumbers } from './process.js';

const TIME_LIMIT_MS = 60 * 60_000;
const RATIO_TARGET = 0.5;
const EVENTS_PER_RUN_LIMIT = 10_240;

const USAGE = `Usage: npm run bench -- campaigns [--guests N] [--concurrency C] [--batch B]
  --guests N        guests in the data set (default 100000, at least 1000)
  --concurrency C   campaign mails in flight per batch, and the pools' connections (default 8)
  --batch B         recipients per batch (default 500)`;

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      guests: { type: 'string', default: process.env.BENCH_GUESTS ?? '100000' },
      concurrency: { type: 'string', default: '8' },
      batch: { type: 'string', default: '500' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = wholeNumbers(USAGE);
  return {
    guests: int('guests', values.guests, 1_000, 1_000_000),
    concurrency: int('concurrency', values.concurrency, 1, 64),
    batch: int('batch', values.batch, 10, 5_000),
  };
}

const { onStop, shutdown, stopping } = benchStops();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A whole-hour zone where it is now between 10:00 and 18:00. */
function daytimeZone(): string {
  for (let h = -12; h <= 14; h++) {
    const zone = h === 0 ? 'UTC' : `Etc/GMT${h > 0 ? '-' : '+'}${Math.abs(h)}`;
    const hour = DateTime.now().setZone(zone).hour;
    if (hour >= 10 && hour < 18) return zone;
  }
  throw new BenchError('no daytime zone');
}

const seconds = (ms: number) => Math.round(ms) / 1000;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const opts = options(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  if (
    config.TEMPORAL_ADDRESS &&
    !/^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(config.TEMPORAL_ADDRESS)
  )
    throw new BenchError('TEMPORAL_ADDRESS must point at a loopback address for the bench');

  log(`Bench stack (${opts.guests.toLocaleString('en-US')} guests, thrown away afterwards):`);
  const { db } = await throwawayPostgres(onStop, { poolMax: 20 });
  log('Data:');
  await generateGuestData(db, opts.guests, log);
  const zone = daytimeZone();
  await step(log, `Every guest in ${zone}, with marketing consent`, () =>
    db.raw('update guests set timezone = ?, marketing_consent = true', [zone]),
  );
  await step(log, 'vacuum analyze', () => db.raw('vacuum analyze'));

  const sink = await step(log, 'SMTP sink (in this process)', () => startSmtpSink({}));
  onStop('SMTP sink', () => sink.stop());
  const temporalAddress = await benchTemporal(config, onStop);
  const connection = await Connection.connect({ address: temporalAddress });
  onStop('Temporal client', () => connection.close());
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  onStop('worker connection', () => nativeConnection.close());
  const taskQueue = `bench-campaigns-${process.pid}`;
  const mailer = createMailer(sink.smtpUrl);
  const campaignMailer = createPooledMailer(sink.smtpUrl, opts.concurrency);
  onStop('mailers', () => Promise.resolve([mailer.close(), campaignMailer.close()]));
  const worker = await step(log, `Worker (${opts.concurrency} mails in flight per batch)`, async () =>
    Worker.create({
      connection: nativeConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue,
      activities: createActivities({
        db,
        mailer,
        campaignMailer,
        campaignConcurrency: opts.concurrency,
        mail: { from: config.MAIL_FROM, messageIdDomain: config.MAIL_MESSAGE_ID_DOMAIN },
        temporal: client,
        taskQueue,
        unsubscribeUrl: ({ guestId }) => `https://hotel.example/v1/links/unsubscribe/${guestId}.bench`,
      }),
      // The sources' workflows, bundled now (this bench runs under tsx, not from dist/).
      workflowsPath,
    }),
  );
  const workerDone = worker.run();
  onStop('worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone;
  });

  // ---- the campaign
  const sendLocal = DateTime.now().setZone(zone).minus({ minutes: 1 });
  const id = `${sendLocal.toFormat('yyyyLLdd')}-bench${String(process.pid % 10).padStart(1, '0')}`;
  const campaign = await campaigns.insertCampaign(db, {
    id,
    name: 'Bench: Spring greeting',
    template: 'holiday-greeting',
    definition: {},
    segment_id: null,
    send_date: sendLocal.toISODate()!,
    send_time: sendLocal.toFormat('HH:mm'),
    holdout_percent: 10,
    uplift_days: 30,
    created_by: 'bench',
  });

  log('\nCampaign:');
  let t = performance.now();
  const preview = await previewCampaignCounts(db, campaign, new Date());
  const previewMs = performance.now() - t;
  log(
    `  count preview   ${seconds(previewMs)} s: audience ${preview.audience}, held out ${preview.heldOut}, will send ${preview.willSend}, suppressed ${preview.suppressed} ${JSON.stringify(preview.suppressedByReason)}`,
  );

  await campaigns.markStarted(db, id, {
    startedBy: 'bench',
    templateVersion: null,
    asOf: new Date().toISOString().slice(0, 10),
  });
  t = performance.now();
  const handle = await client.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
    workflowId: campaignWorkflowId(id),
    taskQueue,
    args: [{ campaignId: id, batchSize: opts.batch } satisfies CampaignInput],
  });
  for (;;) {
    if ((await campaigns.findCampaign(db, id))?.planned_at) break;
    await sleep(100);
  }
  const planMs = performance.now() - t;
  log(`  plan            ${seconds(planMs)} s for ${preview.audience} guests`);
  let lastLog = 0;
  const result: CampaignResult = await Promise.race([
    handle.result() as Promise<CampaignResult>,
    (async () => {
      for (;;) {
        await sleep(1_000);
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          log(`  … ${sink.messages().length} mails received`);
        }
        if (stopping()) throw new Error('stopped');
      }
    })(),
  ]);
  const sent = sink.messages();
  const times = sent.map((m) => Date.parse(m.receivedAt)).sort((a, b) => a - b);
  const sendSpanMs = Math.max(1, times[times.length - 1]! - times[0]!);
  const campaignRate = sent.length / (sendSpanMs / 1000);
  log(
    `  sent            ${sent.length} mails in ${seconds(sendSpanMs)} s: ${campaignRate.toFixed(0)} mails/s`,
  );
  const progress = await campaigns.progress(db, id, new Date());
  log(
    `  recipients      ${JSON.stringify(progress.byState)} suppressed ${JSON.stringify(progress.suppressedByReason)}`,
  );

  // ---- the raw baseline: the same number of mails of the same size, pooled, to the same sink
  const sample: { subject: string; body_text: string; body_html: string; to_address: string } | undefined =
    await db('mail_outbox')
      .where('idempotency_key', 'like', `campaign-${id}:%`)
      .where({ status: 'sent' })
      .first('subject', 'body_text', 'body_html', 'to_address');
  if (!sample) throw new BenchError('no campaign mail was sent');
  const raw = nodemailer.createTransport({
    ...mailerOptions(sink.smtpUrl),
    pool: true,
    maxConnections: opts.concurrency,
    maxMessages: Infinity,
  });
  onStop('raw pool', () => Promise.resolve(raw.close()));
  const before = sink.messages().length;
  t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < sent.length) {
        const i = next++;
        await raw.sendMail({
          from: config.MAIL_FROM,
          to: sample.to_address,
          subject: sample.subject,
          text: sample.body_text,
          html: sample.body_html,
          messageId: `<raw-${i}-${process.pid}@bench.example>`,
        });
      }
    }),
  );
  const rawMs = performance.now() - t;
  const rawRate = (sink.messages().length - before) / (rawMs / 1000);
  const ratio = campaignRate / rawRate;
  log(`  raw nodemailer  ${sent.length} mails in ${seconds(rawMs)} s: ${rawRate.toFixed(0)} mails/s`);

  // ---- history
  const runs: { runId: string; events: number }[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${campaignWorkflowId(id)}'` })) {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    runs.push({ runId: run.runId, events: history.events?.length ?? 0 });
  }
  const totalEvents = runs.reduce((a, r) => a + r.events, 0);
  const maxRun = Math.max(...runs.map((r) => r.events));
  const perThousand = totalEvents / (preview.audience / 1000);

  const figures = {
    at: new Date().toISOString(),
    guests: opts.guests,
    cores: availableParallelism(),
    concurrency: opts.concurrency,
    batch: opts.batch,
    result,
    preview: { ms: Math.round(previewMs), ...preview },
    planMs: Math.round(planMs),
    send: {
      mails: sent.length,
      seconds: seconds(sendSpanMs),
      rate: Math.round(campaignRate),
      rawSeconds: seconds(rawMs),
      rawRate: Math.round(rawRate),
      ratio: Math.round(ratio * 100) / 100,
      target: RATIO_TARGET,
    },
    history: {
      runs: runs.length,
      totalEvents,
      perThousandGuests: Math.round(perThousand),
      maxRun,
      limit: EVENTS_PER_RUN_LIMIT,
    },
  };
  log('\nFigures:');
  log(`  time to the count preview       ${seconds(previewMs)} s`);
  log(`  time to plan every guest        ${seconds(planMs)} s`);
  log(
    `  send rate                       ${campaignRate.toFixed(0)} mails/s vs raw pooled nodemailer ${rawRate.toFixed(0)} mails/s: ${ratio.toFixed(2)}× (target ≥ ${RATIO_TARGET}×) ${ratio >= RATIO_TARGET ? 'met' : 'NOT met'}`,
  );
  log(
    `  history                         ${runs.length} runs, ${totalEvents} events, ${perThousand.toFixed(0)} per 1,000 guests; largest run ${maxRun} (limit ${EVENTS_PER_RUN_LIMIT}) ${maxRun <= EVENTS_PER_RUN_LIMIT ? 'met' : 'NOT met'}`,
  );
  const out = path.resolve(config.DATA_DIR, 'bench');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'campaigns.json'), JSON.stringify(figures, null, 2));
  log(`\nWritten to ${path.join(out, 'campaigns.json')}`);
}

runBench({ main, shutdown, stopping, timeLimitMs: TIME_LIMIT_MS });

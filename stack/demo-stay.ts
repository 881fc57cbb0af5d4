/**
 * `npm run demo:stay`: sends one correctly signed stay.completed event to the
 * running dev stack (check-out three hours ago, a guest in a zone where it is
 * day now, so the thank-you goes out at once rather than at 09:00 their time), waits for the guest's mail, and prints where to look.
 * Options: --guest <pmsProfileId> --locale zh-CN --api http://127.0.0.1:3000
 */
import { parseArgs } from 'node:util';
import { sign } from '../api/pms/signature.js';
import { loadConfigOrExit } from '../config.js';
import { daytimeZone, newPmsProfileId, sampleStayCompletedBody } from './sample-events.js';

const config = loadConfigOrExit();
const { values } = parseArgs({
  options: {
    guest: { type: 'string', default: newPmsProfileId() },
    locale: { type: 'string', default: 'en' },
    api: { type: 'string', default: `http://${config.API_HOST}:${config.API_PORT}` },
  },
});

const checkOut = new Date(Date.now() - 3 * 3600_000);
const departure = checkOut.toISOString().slice(0, 10);
const arrival = new Date(checkOut.getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
const zh = values.locale.startsWith('zh');
const event = sampleStayCompletedBody({
  occurredAt: checkOut.toISOString(),
  guest: {
    pmsProfileId: values.guest,
    firstName: zh ? '伟' : 'Ada',
    lastName: zh ? '王' : 'Lovelace',
    email: `${values.guest.toLowerCase()}@guest.example`,
    locale: values.locale,
    // Where it is day: the thank-you of a check-out three hours ago goes now, not at 09:00 tomorrow.
    timezone: daytimeZone(zh ? 'Asia/Shanghai' : 'Europe/London'),
  },
  stay: { arrival, departure, nights: 2 },
});
const body = JSON.stringify(event);
const res = await fetch(`${values.api}/v1/pms/events`, {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'x-signature': sign(config.PMS_WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000)),
  },
  body,
});
const answer = (await res.json()) as { guestId?: string; workflowId?: string; error?: unknown };
console.log(`POST /v1/pms/events → ${res.status}`, answer);
if (res.status !== 202 || !answer.guestId) process.exit(1);

type GuestView = {
  mails: { status: string; subject: string; template: string }[];
};
let guest: GuestView | undefined;
for (let i = 0; i < 40; i++) {
  const res = await fetch(`${values.api}/v1/guests/${answer.guestId}`, {
    headers: { authorization: `Bearer ${config.DEV_OPS_API_KEY}` },
  });
  guest = (await res.json()) as GuestView;
  // The thank-you, not only the welcome that goes first.
  if (guest.mails.some((m) => m.template === 'stay-thank-you' && m.status !== 'pending')) break;
  await new Promise((r) => setTimeout(r, 500));
}
const live = await fetch(`${values.api}/v1/guests/${answer.guestId}/workflow`, {
  headers: { authorization: `Bearer ${config.DEV_OPS_API_KEY}` },
});
console.log(
  '\nWorkflow state:',
  ((await live.json()) as { workflow: { state: unknown } | null }).workflow?.state,
);
console.log('Mails:', guest?.mails);
console.log(`
See it:
  Guest            curl -H 'Authorization: Bearer ${config.DEV_OPS_API_KEY}' ${values.api}/v1/guests/${answer.guestId}
  Workflow         http://127.0.0.1:${config.TEMPORAL_UI_PORT}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${answer.workflowId}
  Mailbox          http://127.0.0.1:${config.MAILBOX_PORT}/`);

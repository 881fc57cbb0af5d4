/**
 * Sample values for a template's variables: what a preview shows in place of a real stay's data (marked as
 * samples), and what a stored template is test-rendered with before it is saved, so a helper fed the wrong
 * kind of value (`{{date nights}}`) is refused then rather than when a guest's mail is due. Known variables
 * have a value in the table; a variable a later template adds gets one by its name (`…Url` a link, `…On` a
 * date, …), so every code definition can be previewed without touching this file.
 */
import { templateVars, type TemplateName } from './templates.js';

const SAMPLES: Readonly<Record<string, string | number | boolean>> = {
  propertyCode: 'SHA-PUDONG',
  propertyName: 'The Pudong Riverside',
  arrival: '2026-03-10',
  departure: '2026-03-12',
  nights: 2,
  oneNight: false,
  pointsEarned: 12800,
  pointsBalance: 25600,
  memberNumber: 'M-000123',
  tier: 'gold',
  previousTier: 'silver',
  validThrough: '2027-12-31',
  year: 2026,
  outcome: 'up',
  nightsShort: 3,
  staysShort: 1,
  anniversary: '2027-04-15',
  offer: '20% off',
  couponCode: 'WB-7K3Q-9XPD',
  points: 4200,
  expiresOn: '2026-12-01',
  offerNumber: 2,
  validUntil: '2026-08-31',
  bonusPoints: 1000,
  caseRef: 'C-1A2B3C4D',
  compensationPoints: 5000,
  compensationRefund: '150.00 USD',
  compensationVoucher: '100.00 USD',
};

const SAMPLE_URL = 'https://hotel.example/v1/links/sample';

/** A plausible value for a variable the table does not know, by its name. */
function byName(name: string): string | number | boolean {
  if (/Url$/.test(name)) return `${SAMPLE_URL}/${name}`;
  if (/(On|Date|Until|Through|Since|arrival|departure)$/.test(name)) return '2026-03-12';
  if (/^(is|has|one)[A-Z]/.test(name)) return false;
  if (/(Points|points|nights|Nights|stays|Stays|Count|count|score|Score|year|Year|Hours|hours)$/.test(name))
    return 2;
  return 'Sample';
}

export function sampleValue(name: string): string | number | boolean {
  return Object.hasOwn(SAMPLES, name) ? SAMPLES[name]! : byName(name);
}

/** A sample value for every variable template `name` declares, and the link the renderer adds (unsubscribe). */
export function sampleVars(name: TemplateName): Record<string, string | number | boolean> {
  const vars: Record<string, string | number | boolean> = {};
  for (const v of templateVars[name] as readonly string[]) vars[v] = sampleValue(v);
  vars.unsubscribeUrl = `${SAMPLE_URL}/unsubscribeUrl`;
  return vars;
}

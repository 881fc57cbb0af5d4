/** Pieces the campaign list, form and page share: the status badge, the local send time, the audience in words. */
import { useTranslation } from 'react-i18next';
import { codeLabel } from '../../i18n';
import { formatDay } from '../../format';
import { Badge } from '../../ui';
import type { Campaign, Definition } from './types';

export function StatusBadge({ status, testId }: { status: Campaign['status']; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Badge kind={`cmp-${status}`} {...(testId ? { testId } : {})}>
      {t(`campaigns.status.${status}`)}
    </Badge>
  );
}

/** `24 Dec 2026 at 10:00`: the same clock time in each guest's zone. */
export function useSendAt() {
  const { t } = useTranslation();
  return (c: Pick<Campaign, 'sendDate' | 'sendTime'>) =>
    t('campaigns.sendAt', { day: formatDay(c.sendDate), time: c.sendTime });
}

const KNOWN = ['tiers', 'stages', 'languages', 'value', 'tenure', 'properties', 'marketingConsent'];

/** Filters the form has no control for (a saved segment's RFM, lapsed within N days), as `key: value`. */
export function otherFilters(def: Definition): [string, string][] {
  return Object.entries(def)
    .filter(([k, v]) => !KNOWN.includes(k) && v !== undefined)
    .map(([k, v]) => [k, typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v)]);
}

/** The audience in words: `Tier: Gold, Diamond · Language: Chinese`; no filter at all: every guest. */
export function useDefinitionText() {
  const { t } = useTranslation();
  return (def: Definition): string => {
    const parts: string[] = [];
    const group = (label: string, values: string[] | undefined, label1: (v: string) => string) => {
      if (values && values.length > 0) parts.push(`${label}: ${values.map(label1).join(', ')}`);
    };
    group(t('campaigns.form.tiers'), def.tiers, (v) => codeLabel('tier', v));
    group(t('campaigns.form.stages'), def.stages, (v) => codeLabel('stage', v));
    group(t('campaigns.form.languages'), def.languages, (v) => codeLabel('language', v));
    group(t('campaigns.form.value'), def.value, (v) => codeLabel('campaigns.value', v));
    group(t('campaigns.form.tenure'), def.tenure, (v) => codeLabel('campaigns.tenure', v));
    group(t('campaigns.form.properties'), def.properties, (v) => v);
    if (def.marketingConsent !== undefined)
      parts.push(t(`campaigns.consent.${def.marketingConsent ? 'true' : 'false'}`));
    for (const [k, v] of otherFilters(def)) parts.push(`${k}: ${v}`);
    return parts.length > 0 ? parts.join(' · ') : t('campaigns.settings.everyone');
  };
}

/** A share as a percentage with up to two decimals (`12.5 %`), or a dash. */
export function percentText(share: number | null | undefined): string {
  if (share === null || share === undefined) return '—';
  return `${Math.round(share * 10_000) / 100} %`;
}

/** A signed number (`+2.5`, `−1`). */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '0';
}

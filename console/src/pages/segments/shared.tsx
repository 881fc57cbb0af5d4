/** What the segments pages share: the API's answers, a definition in words, and the table of guests. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SegmentDefinition } from '../../../../domain/segments';
import { codeLabel } from '../../i18n';
import { formatNumber, personName } from '../../format';
import { Badge, Table } from '../../ui';

export type Definition = SegmentDefinition;

export interface SegmentGuest {
  id: string;
  memberNumber: string | null;
  firstName: string;
  lastName: string;
  email: string;
  stage: string;
  tier: string;
  language: string;
  marketingConsent: boolean;
  value: string;
  revenue: string | null;
  tenure: string;
  stays: number;
  recencyDays: number | null;
  rfm: { r: number; f: number; m: number } | null;
}

export interface Basis {
  asOf: string;
  spenders: number;
  valueBounds: { vip: number; major: number; ordinary: number };
  rfmCuts: { recencyDays: number[]; stays: number[]; revenue: number[] } | null;
}

export interface PreviewAnswer extends Basis {
  count: number;
  guests: SegmentGuest[];
}

export interface SavedSegment {
  id: string;
  name: string;
  definition: Definition;
  createdBy: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

export interface OpenedSegment extends Basis {
  segment: SavedSegment;
  count: number;
}

export const LANGUAGES = ['en', 'zh-CN'] as const;
export const RFM_KEYS = ['recency', 'frequency', 'monetary'] as const;

/** `value` once it has stayed the same for `ms`: the live count asks after the marketer stops clicking. */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
    // The key stands for the value: a new object with the same content does not restart the wait.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, ms]);
  return settled;
}

/** A definition in words: "Gold · Chinese · lapsed within 90 days". */
export function useDefinitionText(): (d: Definition) => string {
  const { t } = useTranslation();
  return (d) => {
    const parts: string[] = [];
    const list = (group: string, codes: readonly string[] | undefined) => {
      if (codes?.length) parts.push(codes.map((c) => codeLabel(group, c)).join(' / '));
    };
    list('tier', d.tiers);
    list('stage', d.stages);
    list('language', d.languages);
    if (d.properties?.length) parts.push(t('segments.summary.stayedAt', { list: d.properties.join(' / ') }));
    if (d.marketingConsent !== undefined)
      parts.push(t(d.marketingConsent ? 'segments.summary.consentYes' : 'segments.summary.consentNo'));
    if (d.value?.length) parts.push(d.value.map((v) => t(`segments.valueSeg.${v}`)).join(' / '));
    if (d.tenure?.length) parts.push(d.tenure.map((v) => t(`segments.tenureKind.${v}`)).join(' / '));
    for (const k of RFM_KEYS) {
      const span = d.rfm?.[k];
      if (span)
        parts.push(
          t('segments.summary.rfm', { measure: t(`segments.measure.${k}`), from: span[0], to: span[1] }),
        );
    }
    if (d.lapsedWithinDays !== undefined)
      parts.push(t('segments.summary.lapsed', { days: d.lapsedWithinDays }));
    return parts.length ? parts.join(' · ') : t('segments.summary.all');
  };
}

/** The guests of a segment: with `contact`, their member number and e-mail too. */
export function GuestTable(props: { guests: SegmentGuest[]; contact?: boolean; testId?: string }) {
  const { t } = useTranslation();
  const contact = props.contact ?? false;
  return (
    <Table
      columns={[
        t('segments.col.name'),
        ...(contact ? [t('segments.col.memberNumber'), t('segments.col.email')] : []),
        t('segments.col.tier'),
        t('segments.col.stage'),
        t('segments.col.language'),
        t('segments.col.value'),
        t('segments.col.tenure'),
        t('segments.col.rfm'),
        { label: t('segments.col.revenue'), num: true },
      ]}
      testId={props.testId}
      small
    >
      {props.guests.map((g) => (
        <tr key={g.id} data-guest-id={g.id}>
          <td className="nowrap">{personName(g.firstName, g.lastName)}</td>
          {contact ? (
            <>
              <td className="nowrap">{g.memberNumber ?? '—'}</td>
              <td className="nowrap">{g.email}</td>
            </>
          ) : null}
          <td>
            <Badge kind={`tier-${g.tier}`}>{codeLabel('tier', g.tier)}</Badge>
          </td>
          <td className="nowrap">{codeLabel('stage', g.stage)}</td>
          <td className="nowrap">{codeLabel('language', g.language)}</td>
          <td className="nowrap">{t(`segments.valueSeg.${g.value}`, { defaultValue: g.value })}</td>
          <td className="nowrap">{t(`segments.tenureKind.${g.tenure}`, { defaultValue: g.tenure })}</td>
          <td className="nowrap mono">{g.rfm ? `${g.rfm.r} · ${g.rfm.f} · ${g.rfm.m}` : '—'}</td>
          <td className="num">{g.revenue === null ? '—' : formatNumber(g.revenue)}</td>
        </tr>
      ))}
    </Table>
  );
}

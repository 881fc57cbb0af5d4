/** A rules version, read only: its tiers, earning, rates, timings, win-back and segment settings. */
import { useTranslation } from 'react-i18next';
import type { ProgramRules } from '../../../../domain/program';
import { segmentSettingsOf } from '../../../../domain/segments';
import { codeLabel } from '../../i18n';
import { formatNumber } from '../../format';
import { Table } from '../../ui';
import { EARN_FIELDS, SEGMENT_SHARES, TIER_KEYS, TIER_MEASURES, TIMING_FIELDS } from './model';

export function RulesView({ rules, testId }: { rules: ProgramRules; testId?: string }) {
  const { t } = useTranslation();
  const segments = segmentSettingsOf(rules);
  return (
    <div className="rules-view" data-testid={testId}>
      <div className="rules-block">
        <h3>{t('rules.view.tiers')}</h3>
        <Table
          small
          columns={[
            t('rules.view.tier'),
            ...TIER_MEASURES.map((m) => ({ label: t(`rules.view.${m}`), num: true as const })),
          ]}
        >
          {TIER_KEYS.map((tier) => (
            <tr key={tier} data-testid={`tier-${tier}`}>
              <td>{codeLabel('tier', tier)}</td>
              {TIER_MEASURES.map((m) => (
                <td key={m} className="num">
                  {formatNumber(rules.tiers[tier][m])}
                </td>
              ))}
            </tr>
          ))}
        </Table>
        <p className="field-hint">{t('rules.view.tierHint')}</p>
      </div>
      <div className="rules-block">
        <h3>{t('rules.view.earn')}</h3>
        <dl className="facts">
          <Fact label={t('rules.field.programCurrency')} value={rules.programCurrency} />
          {EARN_FIELDS.map((f) => (
            <Fact key={f} label={t(`rules.field.${f}`)} value={formatNumber(rules[f])} />
          ))}
        </dl>
      </div>
      <div className="rules-block">
        <h3>{t('rules.view.rates')}</h3>
        <Table small columns={[t('rules.view.currency'), { label: t('rules.view.rate'), num: true }]}>
          {Object.entries(rules.currencyRates).map(([code, rate]) => (
            <tr key={code}>
              <td>{code}</td>
              <td className="num">{rate}</td>
            </tr>
          ))}
        </Table>
      </div>
      <div className="rules-block">
        <h3>{t('rules.view.expiry')}</h3>
        <dl className="facts">
          {TIMING_FIELDS.map((f) => (
            <Fact key={f} label={t(`rules.field.${f}`)} value={formatNumber(rules[f])} />
          ))}
        </dl>
      </div>
      <div className="rules-block">
        <h3>{t('rules.view.winBack')}</h3>
        <Table small columns={[{ label: t('rules.view.offerDay'), num: true }, t('rules.view.offer')]}>
          {rules.winBack.offerDays.map((d, i) => (
            <tr key={i}>
              <td className="num">{d}</td>
              <td>{rules.winBack.offers[i]}</td>
            </tr>
          ))}
        </Table>
        <p className="field-hint">
          {t('rules.field.answerWindowDays')}: {rules.winBack.answerWindowDays}
        </p>
      </div>
      <div className="rules-block">
        <h3>{t('rules.view.segments')}</h3>
        <dl className="facts">
          {SEGMENT_SHARES.map((s) => (
            <Fact key={s} label={t(`rules.field.${s}`)} value={String(segments.value[s])} />
          ))}
          <Fact label={t('rules.field.newMemberDays')} value={String(segments.newMemberDays)} />
        </dl>
        {rules.segments ? null : <p className="field-hint">{t('rules.view.segmentsDefault')}</p>}
      </div>
    </div>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

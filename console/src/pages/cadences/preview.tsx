/**
 * The preview of a version for one guest (the exact mails with subject and local send time in the guest's zone,
 * and the skipped steps with their reasons; beside them the published version's times, when another version is
 * previewed), and the dry run of the version over the base (per step: done, would send, would skip by reason).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { get, post } from '../../api';
import { codeLabel } from '../../i18n';
import { formatInstant, personName } from '../../format';
import { MailReason } from '../../shared';
import { Badge, ErrorBox, Loading, QueryState, Section, Table } from '../../ui';
import { Count, GuestPick } from './common';
import type { BasePlanAnswer, PickedGuest, PreviewAnswer } from './types';

export function PreviewCard(props: { cadenceKey: string; version: number; current: number | null }) {
  const { t } = useTranslation();
  const [guest, setGuest] = useState<PickedGuest | null>(null);
  const compare = props.current !== null && props.current !== props.version ? props.current : null;
  const preview = (version: number | null) => ({
    queryKey: ['cadence-preview', props.cadenceKey, version, guest?.id],
    queryFn: () =>
      post<PreviewAnswer>(`/v1/cadences/${props.cadenceKey}/preview`, {
        guestId: guest!.id,
        ...(version ? { version } : {}),
      }),
    enabled: guest !== null && version !== null,
  });
  const main = useQuery(preview(props.version));
  const other = useQuery(preview(compare));
  const otherAt = new Map((other.data?.mails ?? []).map((m) => [m.stepId, m.localSendAt]));
  const otherSkip = new Map((other.data?.skipped ?? []).map((s) => [s.stepId, s.skip]));

  return (
    <Section title={t('cadences.preview.title', { n: props.version })}>
      <p className="muted">{t('cadences.preview.intro')}</p>
      <GuestPick value={guest} onChange={setGuest} />
      {guest ? (
        main.isPending ? (
          <Loading />
        ) : main.error ? (
          <ErrorBox error={main.error} />
        ) : main.data ? (
          <div data-testid="cadence-preview" className="cad-preview">
            <dl className="facts">
              <div className="fact">
                <dt>{t('cadences.preview.guest')}</dt>
                <dd>{personName(guest.firstName, guest.lastName)}</dd>
              </div>
              <div className="fact">
                <dt>{t('cadences.preview.zone')}</dt>
                <dd data-testid="preview-zone">{main.data.timezone}</dd>
              </div>
              <div className="fact">
                <dt>{t('cadences.preview.language')}</dt>
                <dd>{main.data.locale}</dd>
              </div>
              <div className="fact">
                <dt>{t('cadences.preview.checkOut')}</dt>
                <dd>
                  {formatInstant(main.data.anchors.checkOut, main.data.timezone)}
                  <span className="muted small">
                    {' '}
                    {main.data.stayId ? t('cadences.preview.latestStay') : t('cadences.preview.noStay')}
                  </span>
                </dd>
              </div>
            </dl>
            <h3>{t('cadences.preview.mails', { count: main.data.mails.length })}</h3>
            <Table
              columns={[
                t('cadences.step.id'),
                t('cadences.step.template'),
                t('cadences.preview.subject'),
                t('cadences.preview.localTime', { zone: main.data.timezone }),
                ...(compare ? [t('cadences.preview.publishedTime', { n: compare })] : []),
              ]}
              testId="preview-mails"
              small
            >
              {main.data.mails.map((m) => {
                const before = otherAt.get(m.stepId);
                const changed = compare !== null && before !== m.localSendAt;
                return (
                  <tr key={m.stepId} data-step={m.stepId} className={changed ? 'cad-row-changed' : ''}>
                    <td className="mono nowrap">{m.stepId}</td>
                    <td>
                      {codeLabel('template', m.template)}
                      <div className="muted small">{t(`cadences.class.${m.class}`)}</div>
                    </td>
                    <td>{m.subject ?? <span className="field-error">{m.renderError}</span>}</td>
                    <td className="nowrap" data-testid={`local-${m.stepId}`}>
                      {m.localSendAt}
                      {m.deferred ? (
                        <div className="muted small">{t('cadences.preview.deferred')}</div>
                      ) : null}
                    </td>
                    {compare ? (
                      <td className="nowrap muted">
                        {before ??
                          (otherSkip.get(m.stepId)
                            ? codeLabel('suppression', otherSkip.get(m.stepId))
                            : t('cadences.preview.notInVersion'))}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </Table>
            <h3>{t('cadences.preview.skipped', { count: main.data.skipped.length })}</h3>
            {main.data.skipped.length === 0 ? (
              <p className="muted">{t('cadences.preview.noneSkipped')}</p>
            ) : (
              <Table
                columns={[t('cadences.step.id'), t('cadences.step.template'), t('cadences.preview.reason')]}
                testId="preview-skipped"
                small
              >
                {main.data.skipped.map((s) => (
                  <tr key={s.stepId} data-step={s.stepId}>
                    <td className="mono nowrap">{s.stepId}</td>
                    <td>{codeLabel('template', s.template)}</td>
                    <td>
                      <MailReason reason={s.reason} />
                    </td>
                  </tr>
                ))}
              </Table>
            )}
          </div>
        ) : null
      ) : null}
    </Section>
  );
}

/** The dry run over the base: asked on a click (it plans every running follow-up). */
export function BasePlan(props: { cadenceKey: string; version: number }) {
  const { t } = useTranslation();
  const [asked, setAsked] = useState<number | null>(null);
  const query = useQuery({
    queryKey: ['cadence-base-plan', props.cadenceKey, props.version],
    queryFn: () =>
      get<BasePlanAnswer>(`/v1/cadences/${props.cadenceKey}/dry-run/steps`, { version: props.version }),
    enabled: asked === props.version,
  });
  const reasons = query.data ? Object.keys(query.data.reasons).sort() : [];
  return (
    <Section
      title={t('cadences.base.title', { n: props.version })}
      actions={
        <button
          type="button"
          className="btn"
          onClick={() => {
            setAsked(props.version);
            if (asked === props.version) void query.refetch();
          }}
          data-testid="run-base-plan"
        >
          {t('cadences.base.run')}
        </button>
      }
    >
      <p className="muted">{t('cadences.base.intro')}</p>
      {asked === props.version ? (
        <QueryState query={query}>
          {(d) => (
            <div data-testid="base-plan">
              <p>
                {t('cadences.base.planned', { planned: d.planned, running: d.running })}
                {d.running > d.planned + d.unplanned ? (
                  <Badge kind="draft">{t('cadences.base.limited', { n: d.limit })}</Badge>
                ) : null}
              </p>
              <Table
                columns={[
                  t('cadences.step.id'),
                  t('cadences.step.template'),
                  { label: t('cadences.base.done'), num: true },
                  { label: t('cadences.base.send'), num: true },
                  { label: t('cadences.base.deferred'), num: true },
                  ...reasons.map((r) => ({ label: codeLabel('suppression', r), num: true as const })),
                ]}
                testId="base-plan-steps"
                small
              >
                {d.steps.map((s) => (
                  <tr key={s.stepId} data-step={s.stepId}>
                    <td className="mono nowrap">{s.stepId}</td>
                    <td>{codeLabel('template', s.template)}</td>
                    <td className="num">
                      <Count n={s.done} />
                    </td>
                    <td className="num">
                      <Count n={s.send} />
                    </td>
                    <td className="num">
                      <Count n={s.deferred} />
                    </td>
                    {reasons.map((r) => (
                      <td key={r} className="num">
                        <Count n={s.skipped[r]} />
                      </td>
                    ))}
                  </tr>
                ))}
                {reasons.length ? (
                  <tr className="cad-total">
                    <td colSpan={5}>{t('cadences.base.byReason')}</td>
                    {reasons.map((r) => (
                      <td key={r} className="num">
                        {d.reasons[r]}
                      </td>
                    ))}
                  </tr>
                ) : null}
              </Table>
            </div>
          )}
        </QueryState>
      ) : null}
    </Section>
  );
}

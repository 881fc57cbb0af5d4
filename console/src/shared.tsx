/** Pieces more than one page shows: a mail's suppression reason, a staff action with its required reason. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from './api';
import { codeLabel } from './i18n';
import { ActionDialog, Field } from './ui';

/** A suppression reason: its code translated (`consent`, `frequency_cap`…), then any detail the engine wrote. */
export function MailReason({ reason }: { reason: string }) {
  const [code, ...rest] = reason.split(':');
  const detail = rest.join(':').trim();
  return (
    <span className="reason">
      {codeLabel('suppression', code!.trim())}
      {detail ? <span className="muted"> — {detail}</span> : null}
    </span>
  );
}

/** A staff action on the guest's workflow: a required reason, audited with the key's name. */
export function ReasonAction(props: {
  label: string;
  title: string;
  path: string;
  onDone: () => void;
  danger?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  return (
    <ActionDialog
      label={props.label}
      title={props.title}
      valid={reason.trim().length >= 3}
      confirmText={t('action.reasonConfirm')}
      submit={() => post(props.path, { reason: reason.trim() })}
      onDone={() => {
        setReason('');
        props.onDone();
      }}
      danger={props.danger ?? false}
      {...(props.testId ? { testId: props.testId } : {})}
    >
      <Field label={t('action.reason')} hint={t('action.reasonHint')}>
        <textarea
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          name="reason"
          rows={2}
          maxLength={500}
        />
      </Field>
    </ActionDialog>
  );
}

import { describe, expect, it } from 'vitest';
import { ERASED, distinctiveNeedlesOf, isPersonalKey, needlesOf, redactJson, redactText } from './privacy.js';

const guest = {
  first_name: 'Ottoline',
  last_name: 'Quarrendon',
  email: 'o.q@example.com',
  phone: '+44 20 7946 0321',
  member_number: 'M123456789',
  pms_profile_id: 'P-77',
};

describe('what an erasure removes from text and JSON', () => {
  it('looks for the whole name first, then its parts, the address, phone and numbers (3 characters or more)', () => {
    const needles = needlesOf(guest);
    expect(needles[0]).toBe('Ottoline Quarrendon');
    expect(needles).toEqual(
      expect.arrayContaining(['Quarrendon Ottoline', 'o.q@example.com', 'Ottoline', 'M123456789', 'P-77']),
    );
    expect(needlesOf({ ...guest, first_name: 'Li', pms_profile_id: 'P1' })).not.toContain('Li');
  });

  it('replaces every needle in any case, leaving the rest of the text', () => {
    expect(redactText('Call OTTOLINE quarrendon at o.q@EXAMPLE.com today', needlesOf(guest))).toBe(
      `Call ${ERASED} at ${ERASED} today`,
    );
  });

  it('erases the values of personal keys whatever they are, and needles in every other string', () => {
    const value = {
      first_name: 'Ottoline',
      data: { guest: { firstName: 'X', email: 'x@y', locale: 'en', birthday: null } },
      reason: { nested: true },
      points: 250,
      outcome: 'done',
      notes: ['a', 'b'],
      message: 'about Ottoline',
      marketing_consent: true,
    };
    expect(redactJson(value, needlesOf(guest))).toEqual({
      first_name: ERASED,
      data: { guest: { firstName: ERASED, email: ERASED, locale: 'en', birthday: null } },
      reason: ERASED,
      points: 250,
      outcome: 'done',
      notes: ERASED,
      message: `about ${ERASED}`,
      marketing_consent: true,
    });
    // Someone else's row: only the needles go.
    expect(redactJson({ reason: 'about Ottoline', n: 1 }, ['Ottoline'], { keys: false })).toEqual({
      reason: `about ${ERASED}`,
      n: 1,
    });
    expect(isPersonalKey('PMS_Profile-Id')).toBe(true);
    expect(isPersonalKey('propertyCode')).toBe(false);
  });

  it("looks outside the guest's own rows only for what names the guest alone", () => {
    const d = distinctiveNeedlesOf(guest);
    expect(d).toEqual(expect.arrayContaining(['o.q@example.com', 'Ottoline Quarrendon', 'M123456789']));
    expect(d).not.toContain('Ottoline');
    expect(d).not.toContain('P-77');
  });
});

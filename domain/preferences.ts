/**
 * A guest's preferences and taboos (the seeds' guest information card: 喜好与禁忌): what the front desk and
 * housekeeping should do, and must never do, for this guest. Each fact carries its source.
 */
export const PREFERENCE_KINDS = ['preference', 'taboo'] as const;
export type PreferenceKind = (typeof PREFERENCE_KINDS)[number];

export const PREFERENCE_CATEGORIES = [
  'room',
  'bed',
  'pillow',
  'food',
  'allergy',
  'amenity',
  'service',
  'other',
] as const;
export type PreferenceCategory = (typeof PREFERENCE_CATEGORIES)[number];

export const FACT_SOURCES = ['staff', 'pms', 'survey', 'import'] as const;
export type FactSource = (typeof FACT_SOURCES)[number];

/** The labels of the cadences page(s) (console/src/pages/cadences.tsx), English and Simplified Chinese with the same keys. */
export const en = {
  title: 'Cadences and templates',
};

export const zh: typeof en = {
  title: '跟进节奏与模板',
};

/** The labels of the Privacy page (console/src/pages/privacy.tsx), English and Simplified Chinese with the same keys. */
export const en = {
  title: 'Privacy',
};

export const zh: typeof en = {
  title: '隐私',
};

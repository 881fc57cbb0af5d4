/** The labels of the rules page(s) (console/src/pages/rules.tsx), English and Simplified Chinese with the same keys. */
export const en = {
  title: 'Program rules',
};

export const zh: typeof en = {
  title: '会员规则',
};

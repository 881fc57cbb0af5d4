/** The labels of the campaigns page(s) (console/src/pages/campaigns.tsx), English and Simplified Chinese with the same keys. */
export const en = {
  title: 'Campaigns',
};

export const zh: typeof en = {
  title: '营销活动',
};

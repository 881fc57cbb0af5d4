/** The labels of the PMS sync page (console/src/pages/pms-sync.tsx), English and Simplified Chinese with the same keys. */
export const en = {
  title: 'PMS sync',
};

export const zh: typeof en = {
  title: 'PMS 同步',
};

/** The labels of the dashboard page(s) (console/src/pages/dashboard.tsx), English and Simplified Chinese with the same keys. */
export const en = {
  title: 'Dashboard',
};

export const zh: typeof en = {
  title: '仪表盘',
};

/** The labels of the Member import page (console/src/pages/import.tsx), English and Simplified Chinese with the same keys. */
export const en = {
  title: 'Member import',
};

export const zh: typeof en = {
  title: '会员导入',
};

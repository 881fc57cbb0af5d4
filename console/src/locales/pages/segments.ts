/** The labels of the segments page(s) (console/src/pages/segments.tsx), English and Simplified Chinese with the same keys. */
export const en = {
  title: 'Segments',
};

export const zh: typeof en = {
  title: '客群',
};

/**
 * Two languages, switchable and remembered (localStorage `console.lang`): English and Simplified Chinese. The
 * first visit follows the browser. Every label the console shows comes from locales/; codes the API sends
 * (tiers, stages, mail reasons) are translated by their code, and an unknown code is shown as it is.
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './locales/en';
import zh from './locales/zh-CN';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'console.lang';

function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zh } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = i18n.language;

export function setLanguage(lang: Language): void {
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  void i18n.changeLanguage(lang);
}

/** A code from the API in the current language: `t('tier.gold')`, or the code itself when none is known. */
export function codeLabel(group: string, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—';
  const key = `${group}.${code}`;
  return i18n.exists(key) ? i18n.t(key) : code;
}

/** Temporal's status as the SDK's describe() names it (`RUNNING`, `CONTINUED_AS_NEW`) in visibility's form (`Running`). */
export function statusCode(status: string): string {
  return status.includes('_') || status === status.toUpperCase()
    ? status
        .toLowerCase()
        .split('_')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join('')
    : status;
}

export default i18n;

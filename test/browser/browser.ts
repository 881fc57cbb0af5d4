/**
 * The console's browser tests drive Debian's Chromium through playwright-core (no browser download):
 * CHROMIUM_PATH, else /usr/bin/chromium, installed with apt-get when missing and running as root
 * (stack/debian-package.ts). Every page records what the browser console says, so a test can assert that the
 * console logged no error, and `shoot` saves a screenshot at both sizes into .data/screenshots/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureDebianPackage } from '../../stack/debian-package.js';

export const SIZES = {
  laptop: { width: 1280, height: 800 },
  tablet: { width: 768, height: 1024 },
} as const;
export type Size = keyof typeof SIZES;

export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../.data/screenshots');

/** Removes the screenshots whose names match `names` (a file's own prefix): the folder holds this run's only. */
export function clearScreenshots(names: RegExp): void {
  if (!existsSync(SCREENSHOTS)) return;
  for (const f of readdirSync(SCREENSHOTS))
    if (names.test(f)) rmSync(path.join(SCREENSHOTS, f), { force: true });
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!process.env.CHROMIUM_PATH)
    ensureDebianPackage({ command: 'chromium', pkg: 'chromium', purpose: "for the console's browser tests" });
  // Chinese labels and names in the screenshots need a CJK font (staff browsers have one).
  ensureDebianPackage({
    command: 'fc-list',
    installed: () => spawnSync('sh', ['-c', 'fc-list :lang=zh | grep -q .']).status === 0,
    pkg: 'fonts-noto-cjk',
    purpose: 'for the Chinese screenshots of the console',
  });
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Errors the browser console logged and uncaught page errors, in order. */
  errors: string[];
}

/** A fresh browser context (its own cookies and storage) at `size`, in `locale`. */
export async function openPage(
  browser: Browser,
  baseUrl: string,
  opts: { size?: Size; locale?: string } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: SIZES[opts.size ?? 'laptop'],
    locale: opts.locale ?? 'en-GB',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.setDefaultTimeout(15_000);
  return { context, page, errors };
}

/** Signs in on the console's sign-in page with `key` and waits for the shell. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.goto('/console/');
  await page.locator('input[name="key"]').fill(key);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId('who').waitFor();
}

/** Screenshots of the page as it is, at both sizes: `<name>-laptop.png`, `<name>-tablet.png`. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(100);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${size}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

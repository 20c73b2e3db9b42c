import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const SHOTS = join(import.meta.dirname, '../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

/**
 * While React streams a page in, a finished Suspense boundary waits in a `hidden` div until
 * it is swapped into place, so for a moment the same text exists twice. Tests look only at
 * what a person can see.
 */
export const VISIBLE = { visible: true } as const;

export const DESKTOP = { width: 1280, height: 800 };

/** The home page (Today), where signing in or up lands: `/`, or `/?welcome=1` after sign-up. */
export const HOME = /:\d+\/(\?welcome=1)?$/;
export const PHONE = { width: 390, height: 844 };

async function axe(page: Page, label: string, exclude: readonly string[] = []) {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']);
  // Frames axe cannot enter (an email's sandboxed HTML runs no scripts) would stall the run.
  for (const selector of exclude) builder.exclude(selector);
  const results = await builder.analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = serious.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 5)
        .join('\n  ')}`,
  );
  expect(summary, `accessibility violations on ${label}`).toEqual([]);
}

/** Axe (zero serious/critical) and screenshots at desktop and phone width. */
export async function inspect(
  page: Page,
  name: string,
  options: { fullPage?: boolean; axeExclude?: readonly string[]; axeTimeoutMs?: number } = {},
) {
  await page.waitForLoadState('load');
  // Next streams a dynamic page's metadata after its content: after a client-side navigation
  // the <title> can arrive a moment after the page is drawn.
  await page.waitForFunction(() => document.title.trim().length > 0);
  const original = page.viewportSize() ?? DESKTOP;
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(150);
    // A refresh after a server action can swap <head> out for a moment (no <title> while it
    // streams back in): check the settled page, retrying for a few seconds; a real violation
    // still fails. One axe pass over a large page takes seconds on a loaded machine.
    await expect(() => axe(page, `${name} (${size})`, options.axeExclude)).toPass({
      timeout: options.axeTimeoutMs ?? 30_000,
    });
    await page.screenshot({ path: join(SHOTS, `${name}-${size}.png`), fullPage: options.fullPage ?? true });
  }
  await page.setViewportSize(original);
}

/**
 * At phone width the page scrolls only downwards: a long name or title wraps, and a wide
 * table scrolls inside its own box, never the whole page sideways.
 */
export async function expectFitsPhone(page: Page) {
  const original = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(PHONE);
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), {
      message: 'the page scrolls sideways at 390 px',
    })
    .toBeLessThanOrEqual(0);
  await page.setViewportSize(original);
}

export function uniqueEmail(prefix: string) {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.org`;
}

export async function signUp(page: Page, email: string, password = 'correct horse battery') {
  await page.goto('/sign-up');
  await page.getByLabel('Email').filter(VISIBLE).fill(email);
  await page.getByLabel('Password', { exact: true }).filter(VISIBLE).fill(password);
  await page.getByLabel('Repeat password').filter(VISIBLE).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(HOME);
}

export async function createContact(
  page: Page,
  c: { name: string; emails?: string; phones?: string; organization?: string; notes?: string },
) {
  await page.goto('/contacts/new');
  await page.getByLabel('Name').filter(VISIBLE).fill(c.name);
  if (c.emails) await page.getByLabel('Email addresses').filter(VISIBLE).fill(c.emails);
  if (c.phones) await page.getByLabel('Phone numbers').filter(VISIBLE).fill(c.phones);
  if (c.organization) await page.getByLabel('Organization').filter(VISIBLE).fill(c.organization);
  if (c.notes) await page.getByLabel('Notes').filter(VISIBLE).fill(c.notes);
  await page.getByRole('button', { name: 'Save contact' }).click();
  await expect(page.getByRole('heading', { level: 1, name: c.name })).toBeVisible();
  return page.url().split('/').pop()!;
}

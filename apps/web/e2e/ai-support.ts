import { expect, type Browser, type Page } from '@playwright/test';
import { hubSession, type HubSession } from './api';
import { signUp, uniqueEmail } from './helpers';

// The setup the AI specs share. OpenRouter and Ollama are STAND-INS
// (packages/ai/test/stand-ins.server.ts, started by run.mjs, selected by the hub's OPENROUTER_URL
// and OLLAMA_URL): the operator's Ollama is the local model for everyone; the user made here adds
// an OpenRouter key, so normal data goes to the cloud stand-in and sensitive data stays local.

/** The key the OpenRouter stand-in accepts. */
export const STAND_IN_OPENROUTER_KEY = 'sk-or-v1-stand-in-good-key-0000000000';

export interface AiUser {
  page: Page;
  hub: HubSession;
  /** The "Tulip planting" note both specs ask about. */
  noteId: string;
}

/** A new user signed in (in a fresh browser context), with an OpenRouter key and the tulip note. */
export async function signUpWithCloudAi(browser: Browser, emailPrefix: string): Promise<AiUser> {
  const user = uniqueEmail(emailPrefix);
  const page = await (await browser.newContext()).newPage();
  await signUp(page, user);
  const hub = await hubSession(user);
  await hub.call('POST', '/credentials', {
    type: 'openrouter',
    name: 'OpenRouter',
    secret: { apiKey: STAND_IN_OPENROUTER_KEY },
  });
  const note = await hub.call<{ id: string }>('POST', '/entities', {
    type: 'note',
    title: 'Tulip planting',
    body: 'Plant the tulip bulbs along the fence in October, 15 cm deep.',
  });
  return { page, hub, noteId: note.id };
}

/** The search index follows the graph through events: waits until `queries` find `atLeast` hits together. */
export async function untilSearchFinds(hub: HubSession, queries: string[], atLeast: number) {
  await expect(async () => {
    let hits = 0;
    for (const q of queries) {
      hits += (await hub.call<{ hits: unknown[] }>('GET', `/search?q=${encodeURIComponent(q)}`)).hits.length;
    }
    expect(hits).toBeGreaterThanOrEqual(atLeast);
  }).toPass({ timeout: 30_000 });
}

/** Asks a question on /ai (the page must be open). */
export async function ask(page: Page, question: string) {
  await page.getByLabel(/Ask about your messages/).fill(question);
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
}

import { expect, test, type Page } from '@playwright/test';
import { hubSession, type HubSession } from './api';
import { connectMicrosoft, msgraph, outlookSignIn, syncNow } from './msgraph-support';
import { inspect, signUp, uniqueEmail, VISIBLE } from './helpers';

// Microsoft 365 write-back from the calendar, against the Graph STAND-IN started by run.mjs
// (apps/hub/src/modules/connectors/msgraph/test/stand-in; graph.microsoft.com is not
// reachable here): answering an invitation synced from Outlook, and an edit in the hub that
// meets a change made in Outlook meanwhile, shown as a conflict and resolved.
let page: Page;
let hub: HubSession;
let connectionId: string;
let outlookToken: string;

test.describe.configure({ mode: 'serial' });

async function outlook(method: string, path: string, body?: unknown) {
  const response = await fetch(`${msgraph.graphUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${outlookToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  return (await response.json().catch(() => undefined)) as Record<string, unknown>;
}

const dayOf = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext({ timezoneId: 'UTC', locale: 'en-GB' })).newPage();
  const email = uniqueEmail('msgraph-write');
  await signUp(page, email);
  hub = await hubSession(email);
  connectionId = await connectMicrosoft(page, hub);
  outlookToken = await outlookSignIn();
});
test.afterAll(async () => page.context().close());

test('answers an invitation synced from Outlook; Outlook has the answer', async () => {
  // The stand-in's "Meeting 5" (from organizer5@example.org) is 15 days ago at 14:00 UTC.
  await page.goto(`/calendar?view=day&date=${dayOf(-15)}`);
  await page.getByRole('button', { name: /^Meeting 5, 14:00/ }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText('On your Microsoft 365 calendar.', { exact: false })).toBeVisible();
  const answers = dialog.getByRole('group', { name: 'Answer the invitation' });
  await expect(answers.getByRole('button', { name: 'Accept' })).toHaveAttribute('aria-pressed', 'true');
  await answers.getByRole('button', { name: 'Maybe' }).click();
  await expect(page.getByText('Answer sent', { exact: true }).filter(VISIBLE)).toBeVisible();
  // Outlook has the answer (accept/tentativelyAccept/decline with sendResponse).
  const event = await outlook('GET', '/me/events/AAMkAD-evt-5');
  expect(event.responseStatus).toMatchObject({ response: 'tentativelyAccepted' });
  // And the hub shows it, after a reload too.
  await page.reload();
  await page.getByRole('button', { name: /^Meeting 5, 14:00/ }).click();
  await expect(page.getByRole('dialog').getByText('you answered tentative', { exact: false })).toBeVisible();
  await expect(
    page
      .getByRole('dialog')
      .getByRole('group', { name: 'Answer the invitation' })
      .getByRole('button', { name: 'Maybe' }),
  ).toHaveAttribute('aria-pressed', 'true');
  await inspect(page, 'msgraph-rsvp');
  await page.keyboard.press('Escape');
});

test('an edit that meets a change made in Outlook is a conflict; "Keep mine" writes it over', async () => {
  // Made in Outlook and synced; then moved in Outlook on another device, before the next sync.
  const tomorrow = dayOf(1);
  const created = await outlook('POST', '/me/events', {
    subject: 'Budget review',
    start: { dateTime: `${tomorrow}T10:00:00.0000000`, timeZone: 'UTC' },
    end: { dateTime: `${tomorrow}T11:00:00.0000000`, timeZone: 'UTC' },
  });
  await syncNow(hub, connectionId);
  await outlook('PATCH', `/me/events/${String(created.id)}`, { subject: 'Budget review (moved by Ada)' });

  await page.goto(`/calendar?view=day&date=${tomorrow}`);
  await page.getByRole('button', { name: /^Budget review, 10:00/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Title').fill('Budget review (mine)');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText(/changed in the other calendar/).first()).toBeVisible();
  // Nothing was overwritten in Outlook.
  expect((await outlook('GET', `/me/events/${String(created.id)}`)).subject).toBe('Budget review (moved by Ada)');
  await page.keyboard.press('Escape');

  // The event now carries the conflict (the list shows it once loaded again): both versions side by side.
  await page.reload();
  await page.getByRole('button', { name: /^Budget review, 10:00/ }).click();
  const alert = page.getByRole('dialog').getByRole('alert');
  await expect(alert).toContainText('Yours: “Budget review (mine)”');
  await expect(alert).toContainText('Theirs: “Budget review (moved by Ada)”');
  await inspect(page, 'msgraph-conflict');
  await alert.getByRole('button', { name: 'Keep mine' }).click();
  await expect(page.getByText('Kept your version', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(page.getByRole('button', { name: /^Budget review \(mine\), 10:00/ })).toBeVisible();
  expect((await outlook('GET', `/me/events/${String(created.id)}`)).subject).toBe('Budget review (mine)');
  const open = await hub.call<{ conflicts: unknown[] }>('GET', '/conflicts');
  expect(open.conflicts).toEqual([]);
  await inspect(page, 'msgraph-conflict-resolved');
});

test('"Save to Outlook" makes a contact made here an Outlook contact; it is then that contact', async () => {
  const made = await hub.call<{ id: string }>('POST', '/persons', {
    name: 'Ada Byron',
    emails: ['ada.byron@analytical.example'],
  });
  await page.goto(`/contacts/${made.id}`);
  const save = page.getByRole('button', { name: 'Save to Outlook' });
  await expect(save).toBeVisible();
  await inspect(page, 'contact-save-to-outlook');
  await save.click();
  // The toast's title (its live region repeats it for screen readers).
  await expect(page.getByText('Ada Byron is in Outlook', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(save).toBeHidden();
  expect((await hub.call<{ source: string }>('GET', `/entities/${made.id}`)).source).toBe('msgraph');
  // The next sync brings our own contact back: still one Ada Byron, the same person.
  await syncNow(hub, connectionId);
  const persons = await hub.call<{ items: { id: string; title: string }[] }>('GET', '/entities?type=person&limit=200');
  expect(persons.items.filter((p) => p.title === 'Ada Byron').map((p) => p.id)).toEqual([made.id]);
});

test('"Save to Outlook" is offered for a person the mail made for a sender, not for an Outlook contact', async () => {
  type Person = { id: string; title: string; source: string | null; externalId: string | null; origin: string };
  const persons = (await hub.call<{ items: Person[] }>('GET', '/entities?type=person&limit=500')).items;
  // The stand-in's mail comes from senderN@example.org: the sync made a person for each address.
  const sender = persons.find((p) => p.origin === 'address' && p.externalId?.startsWith('email:sender'))!;
  expect(sender).toMatchObject({ source: 'msgraph' });
  const contact = persons.find((p) => p.origin === 'source' && p.source === 'msgraph')!;
  expect(contact).toBeDefined();

  await page.goto(`/contacts/${contact.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save to Outlook' })).toHaveCount(0);

  await page.goto(`/contacts/${sender.id}`);
  const save = page.getByRole('button', { name: 'Save to Outlook' });
  await expect(save).toBeVisible();
  await inspect(page, 'contact-save-mail-sender-to-outlook');
  await save.click();
  await expect(page.getByText(`${sender.title} is in Outlook`, { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(save).toBeHidden();
  const saved = await hub.call<Person>('GET', `/entities/${sender.id}`);
  expect(saved).toMatchObject({ source: 'msgraph', origin: 'source' });
  expect(saved.externalId).not.toMatch(/^email:/);
});

test('deleting an Outlook contact says it goes from Outlook too, and it does; a hub contact stays in the hub', async () => {
  const { created, person } = await syncedOutlookContact({
    givenName: 'Charles',
    surname: 'Babbage',
    email: 'charles@difference.example',
  });

  // A contact made in the hub: the confirmation says nothing of Outlook.
  const local = await hub.call<{ id: string }>('POST', '/persons', { name: 'Only Here' });
  await page.goto(`/contacts/${local.id}`);
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('alertdialog')).toContainText('The contact and its identifiers are removed.');
  await expect(page.getByRole('alertdialog')).not.toContainText('Outlook');
  await page.getByRole('button', { name: 'Keep' }).click();

  await page.goto(`/contacts/${person.id}`);
  await page.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('alertdialog');
  await expect(confirm).toContainText('deleted from Outlook (Microsoft 365) too');
  await inspect(page, 'msgraph-contact-delete-confirm');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByText('Deleted Charles Babbage', { exact: true }).filter(VISIBLE)).toBeVisible();
  // Once the undo window closed, the hub deletes it, and Outlook has it no more.
  await expect
    .poll(
      async () =>
        (
          await fetch(`${msgraph.graphUrl}/me/contacts/${String(created.id)}`, {
            headers: { authorization: `Bearer ${outlookToken}` },
          })
        ).status,
      { timeout: 30_000 },
    )
    .toBe(404);
  await inspect(page, 'msgraph-contact-deleted');
});

test('a deletion that meets a change made in Outlook waits on the contacts page; "Keep Outlook\'s copy" brings it back', async () => {
  const { created, person } = await syncedOutlookContact({
    givenName: 'Dora',
    surname: 'Diff',
    email: 'dora@diff.example',
  });
  // Changed in Outlook on another device, then deleted here before the hub saw that change.
  await outlook('PATCH', `/me/contacts/${String(created.id)}`, { jobTitle: 'Changed in Outlook' });
  await hub.call('DELETE', `/entities/${person.id}`);
  await expect
    .poll(async () => (await hub.call<{ conflicts: unknown[] }>('GET', '/conflicts')).conflicts.length, {
      timeout: 30_000,
    })
    .toBe(1);

  await page.goto('/contacts');
  const notice = page.getByRole('alert').filter({ hasText: 'Dora Diff' });
  await expect(notice).toContainText('was deleted here, but changed in Outlook since you last saw it');
  await inspect(page, 'msgraph-contact-deletion-conflict');
  await notice.getByRole('button', { name: 'Keep Outlook’s copy' }).click();
  await expect(page.getByText('Dora Diff is back, as Outlook has it', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect(notice).toHaveCount(0);
  await page.getByLabel('Search contacts').fill('Dora');
  await expect(page.getByRole('link', { name: /Dora Diff/ })).toBeVisible();
  // Outlook kept its copy; the hub shows it as Outlook has it.
  expect((await outlook('GET', `/me/contacts/${String(created.id)}`)).jobTitle).toBe('Changed in Outlook');
  const back = await hub.call<{ properties: { jobTitle?: string } }>('GET', `/entities/${person.id}`);
  expect(back.properties.jobTitle).toBe('Changed in Outlook');
  expect((await hub.call<{ conflicts: unknown[] }>('GET', '/conflicts')).conflicts).toEqual([]);
});

test('an edit that meets a change made in Outlook waits on the contact, field by field; "Keep my changes" writes it', async () => {
  const { created, person } = await syncedOutlookContact({
    givenName: 'Edith',
    surname: 'Edit',
    email: 'edith@edit.example',
    jobTitle: 'Engineer',
  });
  await changedOnBothSides(created, person);
  await expect
    .poll(async () => (await hub.call<{ conflicts: unknown[] }>('GET', '/conflicts')).conflicts.length, {
      timeout: 30_000,
    })
    .toBe(1);

  // Listed on the contacts page, and on the contact's own page with both sides.
  await page.goto('/contacts');
  await expect(page.getByRole('alert').filter({ hasText: 'Edith Edit' })).toContainText(
    'was changed here and in Outlook since the hub last saw it',
  );
  await page.goto(`/contacts/${person.id}`);
  const notice = page.getByRole('alert').filter({ hasText: 'Edith Edit' });
  const differences = notice.getByRole('table', { name: 'What differs for Edith Edit' });
  await expect(differences.getByRole('row')).toHaveText([
    /Field\s*Here\s*In Outlook/,
    /Job title\s*Set here\s*Set in Outlook/,
  ]);
  await inspect(page, 'msgraph-contact-edit-conflict');
  await notice.getByRole('button', { name: 'Keep my changes' }).click();
  await expect(
    page.getByText('Your changes to Edith Edit are in Outlook', { exact: true }).filter(VISIBLE),
  ).toBeVisible();
  await expect(notice).toHaveCount(0);
  expect((await outlook('GET', `/me/contacts/${String(created.id)}`)).jobTitle).toBe('Set here');
  expect((await hub.call<{ conflicts: unknown[] }>('GET', '/conflicts')).conflicts).toEqual([]);
});

test('"Keep Outlook\'s copy" on a deletion Outlook has since made too says so, and the contact stays deleted', async () => {
  const { created, person } = await syncedOutlookContact({
    givenName: 'Fay',
    surname: 'Fade',
    email: 'fay@fade.example',
  });
  await outlook('PATCH', `/me/contacts/${String(created.id)}`, { jobTitle: 'Changed in Outlook' });
  await hub.call('DELETE', `/entities/${person.id}`);
  await expect
    .poll(
      async () =>
        (await hub.call<{ conflicts: unknown[] }>('GET', `/conflicts?entityId=${person.id}`)).conflicts.length,
      {
        timeout: 30_000,
      },
    )
    .toBe(1);
  // Deleted in Outlook too before the owner chooses; the hub has not synced since.
  await outlook('DELETE', `/me/contacts/${String(created.id)}`);

  await page.goto('/contacts');
  const notice = page.getByRole('alert').filter({ hasText: 'Fay Fade' });
  await notice.getByRole('button', { name: 'Keep Outlook’s copy' }).click();
  await expect(
    page.getByText('Outlook no longer has Fay Fade either, so it stays deleted', { exact: true }).filter(VISIBLE),
  ).toBeVisible();
  await inspect(page, 'msgraph-contact-deletion-conflict-gone');
  await expect(notice).toHaveCount(0);
  await page.getByLabel('Search contacts').fill('Fay');
  await expect(page.getByRole('link', { name: /Fay Fade/ })).toHaveCount(0);
  expect((await hub.request('GET', `/entities/${person.id}`)).status).toBe(404);
  expect((await hub.call<{ conflicts: unknown[] }>('GET', '/conflicts')).conflicts).toEqual([]);
});

type SyncedPerson = {
  id: string;
  title: string;
  source: string | null;
  externalId: string | null;
  version: number;
  properties: Record<string, unknown>;
};

/** An Outlook contact made "on another device" and synced here: Outlook's copy and the person it became. */
async function syncedOutlookContact(contact: { givenName: string; surname: string; email: string; jobTitle?: string }) {
  const displayName = `${contact.givenName} ${contact.surname}`;
  const created = await outlook('POST', '/me/contacts', {
    givenName: contact.givenName,
    surname: contact.surname,
    displayName,
    ...(contact.jobTitle ? { jobTitle: contact.jobTitle } : {}),
    emailAddresses: [{ address: contact.email, name: displayName }],
  });
  await syncNow(hub, connectionId);
  const persons = (await hub.call<{ items: SyncedPerson[] }>('GET', '/entities?type=person&limit=500')).items;
  const person = persons.find((p) => p.externalId === created.id)!;
  expect(person).toMatchObject({ title: displayName, source: 'msgraph' });
  return { created, person };
}

/** The job title changed in Outlook on another device, then here before the hub saw that change. */
async function changedOnBothSides(created: Record<string, unknown>, person: SyncedPerson) {
  await outlook('PATCH', `/me/contacts/${String(created.id)}`, { jobTitle: 'Set in Outlook' });
  await hub.call('PATCH', `/entities/${person.id}`, {
    version: person.version,
    properties: { ...person.properties, jobTitle: 'Set here' },
  });
}

/** An Outlook contact synced here, then deleted in Outlook on another device before the next sync. */
async function syncedThenDeletedInOutlook(givenName: string, surname: string) {
  const synced = await syncedOutlookContact({ givenName, surname, email: `${givenName.toLowerCase()}@gone.example` });
  await outlook('DELETE', `/me/contacts/${String(synced.created.id)}`);
  return synced;
}

const conflictsOf = async (personId: string) =>
  (await hub.call<{ conflicts: { id: string }[] }>('GET', `/conflicts?entityId=${personId}`)).conflicts;

test('an edit of a contact Outlook deleted meanwhile waits on the contacts page; "Save it to Outlook again" makes it an Outlook contact again', async () => {
  const { created, person } = await syncedThenDeletedInOutlook('Gail', 'Gone');
  // Edited here, through the contact's page, before the hub saw Outlook's deletion.
  await page.goto(`/contacts/${person.id}`);
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Job title').filter(VISIBLE).fill('Set here');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Changes saved', { exact: true }).filter(VISIBLE)).toBeVisible();
  await expect.poll(async () => (await conflictsOf(person.id)).length, { timeout: 30_000 }).toBe(1);
  // The sync brings Outlook's deletion meanwhile: the person goes here, the conflict stays.
  await syncNow(hub, connectionId);
  expect((await hub.request('GET', `/entities/${person.id}`)).status).toBe(404);

  await page.goto('/contacts');
  const notice = page.getByRole('alert').filter({ hasText: 'Gail Gone' });
  await expect(notice).toContainText(
    'Gail Gone was changed here, but deleted in Outlook meanwhile, so your changes were not saved there.',
  );
  // Nothing in Outlook to compare with.
  await expect(notice.getByRole('table')).toHaveCount(0);
  await inspect(page, 'msgraph-contact-gone-conflict');
  await notice.getByRole('button', { name: 'Save it to Outlook again' }).click();
  await expect(
    page.getByText('Gail Gone is in Outlook again, with your changes', { exact: true }).filter(VISIBLE),
  ).toBeVisible();
  await expect(notice).toHaveCount(0);
  await page.getByLabel('Search contacts').fill('Gail');
  await expect(page.getByRole('link', { name: /Gail Gone/ })).toBeVisible();
  await inspect(page, 'msgraph-contact-gone-saved-again');

  // Back here with the edit, as a new Outlook contact that has it too.
  const back = await hub.call<SyncedPerson>('GET', `/entities/${person.id}`);
  expect(back.properties.jobTitle).toBe('Set here');
  expect(back.externalId).not.toBe(created.id);
  expect((await outlook('GET', `/me/contacts/${String(back.externalId)}`)).jobTitle).toBe('Set here');
  expect(await conflictsOf(person.id)).toEqual([]);
  // The next sync brings that contact as this person: still one Gail Gone.
  await syncNow(hub, connectionId);
  const persons = (await hub.call<{ items: SyncedPerson[] }>('GET', '/entities?type=person&limit=500')).items;
  expect(persons.filter((p) => p.title === 'Gail Gone').map((p) => p.id)).toEqual([person.id]);
});

test('"Delete it here too" on the contact\'s own page deletes it here at once and goes back to the list', async () => {
  const { person } = await syncedThenDeletedInOutlook('Hal', 'Gone');
  await hub.call('PATCH', `/entities/${person.id}`, {
    version: person.version,
    properties: { ...person.properties, jobTitle: 'Set here' },
  });
  await expect.poll(async () => (await conflictsOf(person.id)).length, { timeout: 30_000 }).toBe(1);

  // The hub has not synced since: the person is still here, and their page shows the choice.
  await page.goto(`/contacts/${person.id}`);
  const notice = page.getByRole('alert').filter({ hasText: 'Hal Gone' });
  await expect(notice).toContainText('was changed here, but deleted in Outlook meanwhile');
  await inspect(page, 'msgraph-contact-gone-conflict-contact-page');
  await notice.getByRole('button', { name: 'Delete it here too' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByText('Deleted Hal Gone here too', { exact: true }).filter(VISIBLE)).toBeVisible();
  await page.waitForURL(/\/contacts$/);
  await expect(page.getByRole('alert').filter({ hasText: 'Hal Gone' })).toHaveCount(0);
  // Once the whole list is in, none matches (the empty state's "Add" link is no contact's).
  await page.getByLabel('Search contacts').fill('Hal');
  await expect(page.getByText(/^0 of \d+ contacts match$/)).toBeVisible();
  await expect(page.getByRole('link', { name: /^Hal Gone/ })).toHaveCount(0);
  // Deleted at once, not at the next sync.
  expect((await hub.request('GET', `/entities/${person.id}`)).status).toBe(404);
  expect(await conflictsOf(person.id)).toEqual([]);
});

test('"Keep Outlook’s" on an edit conflict whose contact Outlook has since deleted says it is deleted here too, and it is', async () => {
  const { created, person } = await syncedOutlookContact({
    givenName: 'Ivy',
    surname: 'Instead',
    email: 'ivy@instead.example',
    jobTitle: 'Engineer',
  });
  await changedOnBothSides(created, person);
  await expect.poll(async () => (await conflictsOf(person.id)).length, { timeout: 30_000 }).toBe(1);
  // Deleted in Outlook before the owner chooses; the hub has not synced since.
  await outlook('DELETE', `/me/contacts/${String(created.id)}`);

  await page.goto('/contacts');
  const notice = page.getByRole('alert').filter({ hasText: 'Ivy Instead' });
  await expect(notice).toContainText('was changed here and in Outlook since the hub last saw it');
  await notice.getByRole('button', { name: 'Keep Outlook’s' }).click();
  await expect(
    page
      .getByText('Outlook no longer has Ivy Instead: it was deleted there, so it is deleted here too', { exact: true })
      .filter(VISIBLE),
  ).toBeVisible();
  await expect(notice).toHaveCount(0);
  await page.getByLabel('Search contacts').fill('Ivy');
  await expect(page.getByText(/^0 of \d+ contacts match$/)).toBeVisible();
  await expect(page.getByRole('link', { name: /^Ivy Instead/ })).toHaveCount(0);
  expect((await hub.request('GET', `/entities/${person.id}`)).status).toBe(404);
  expect(await conflictsOf(person.id)).toEqual([]);
});

/** The stand-in's test control (not Graph): contact creates and edits answer 403 ErrorAccessDenied, or are taken again. */
async function refuseContactWrites(refused: boolean) {
  const response = await fetch(`${msgraph.loginUrl}/_stand-in/contact-writes`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ refused: String(refused) }),
  });
  expect(response.status).toBe(200);
}

test('an edit Outlook refuses (a permission the app lacks) waits on the contacts page with the reason; "Try again" writes it once Outlook takes it', async () => {
  const { created, person } = await syncedOutlookContact({
    givenName: 'Rita',
    surname: 'Refused',
    email: 'rita@refused.example',
    jobTitle: 'Engineer',
  });

  // The app registration may read contacts but no longer write them (a consent taken back).
  await refuseContactWrites(true);
  try {
    await page.goto(`/contacts/${person.id}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Job title').filter(VISIBLE).fill('Set here');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText('Changes saved', { exact: true }).filter(VISIBLE)).toBeVisible();
    await expect.poll(async () => (await conflictsOf(person.id)).length, { timeout: 30_000 }).toBe(1);
    // Kept here, not in Outlook.
    expect((await outlook('GET', `/me/contacts/${String(created.id)}`)).jobTitle).toBe('Engineer');

    await page.goto('/contacts');
    const notice = page.getByRole('alert').filter({ hasText: 'Rita Refused' });
    await expect(notice).toContainText(
      'Rita Refused was changed here, but Outlook refused the changes, so they are not in Outlook yet.',
    );
    // Why, in the hub's words: what to fix before trying again.
    await expect(notice).toContainText('Why: Microsoft Graph refused access (ErrorAccessDenied, HTTP 403)');
    await expect(notice).toContainText('Check its API permissions');
    await expect(notice.getByRole('table')).toHaveCount(0);
    await inspect(page, 'msgraph-contact-refused-conflict');

    // Tried again before it is fixed: refused again, said so, and the conflict stays.
    await notice.getByRole('button', { name: 'Try again' }).click();
    await expect(
      page.getByText('Outlook did not take your changes to Rita Refused', { exact: true }).filter(VISIBLE),
    ).toBeVisible();
    await inspect(page, 'msgraph-contact-refused-again');
    await expect(notice).toBeVisible();
    expect(await conflictsOf(person.id)).toHaveLength(1);
  } finally {
    await refuseContactWrites(false);
  }

  // Fixed: tried again from the contact's own page, by keyboard.
  await page.goto(`/contacts/${person.id}`);
  const notice = page.getByRole('alert').filter({ hasText: 'Rita Refused' });
  await notice.getByRole('button', { name: 'Try again' }).focus();
  await page.keyboard.press('Enter');
  await expect(
    page.getByText('Your changes to Rita Refused are in Outlook', { exact: true }).filter(VISIBLE),
  ).toBeVisible();
  await expect(notice).toHaveCount(0);
  await inspect(page, 'msgraph-contact-refused-tried-again');
  expect((await outlook('GET', `/me/contacts/${String(created.id)}`)).jobTitle).toBe('Set here');
  expect((await hub.call<SyncedPerson>('GET', `/entities/${person.id}`)).properties.jobTitle).toBe('Set here');
  expect(await conflictsOf(person.id)).toEqual([]);
});

test('a deletion Outlook refuses waits on the contacts page with the reason; "Keep Outlook’s copy" brings the contact back', async () => {
  const { created, person } = await syncedOutlookContact({
    givenName: 'Ned',
    surname: 'Notdeleted',
    email: 'ned@notdeleted.example',
  });

  await refuseContactWrites(true);
  try {
    await hub.call('DELETE', `/entities/${person.id}`);
    await expect.poll(async () => (await conflictsOf(person.id)).length, { timeout: 30_000 }).toBe(1);
    await page.goto('/contacts');
    const notice = page.getByRole('alert').filter({ hasText: 'Ned Notdeleted' });
    await expect(notice).toContainText(
      'Ned Notdeleted was deleted here, but Outlook refused the deletion, so it is still in Outlook.',
    );
    await expect(notice).toContainText('Why: Microsoft Graph refused access (ErrorAccessDenied, HTTP 403)');
    await inspect(page, 'msgraph-contact-refused-deletion-conflict');
    // Outlook's copy can still be read: kept, the contact comes back here.
    await notice.getByRole('button', { name: 'Keep Outlook’s copy' }).click();
    await expect(
      page.getByText('Ned Notdeleted is back, as Outlook has it', { exact: true }).filter(VISIBLE),
    ).toBeVisible();
    await expect(notice).toHaveCount(0);
  } finally {
    await refuseContactWrites(false);
  }
  await page.getByLabel('Search contacts').fill('Ned');
  await expect(page.getByRole('link', { name: /^Ned Notdeleted/ })).toBeVisible();
  expect((await outlook('GET', `/me/contacts/${String(created.id)}`)).displayName).toBe('Ned Notdeleted');
  expect((await hub.request('GET', `/entities/${person.id}`)).status).toBe(200);
  expect(await conflictsOf(person.id)).toEqual([]);
});

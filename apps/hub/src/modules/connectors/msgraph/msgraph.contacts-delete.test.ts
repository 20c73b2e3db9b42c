import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../../test/users.ts';
import { eventually } from '../test/support.ts';
import { contactFieldsDigest } from './msgraph.mapping.ts';
import { msgraphRepository } from './msgraph.repository.ts';
import { deliverEditAgain, msgraphStandIn, registerApp, signIn, syncAndWait } from './test/support.ts';
import { contactPayload } from './test/stand-in/generator.ts';
import type { MsgraphStandIn } from './test/stand-in/server.ts';
import { collectionOf, put, remove, type StandInAccount } from './test/stand-in/state.ts';
import { editRemotely } from './test/stand-in/versions.ts';

/**
 * Deleting a person that came from an Outlook contact deletes that contact in Outlook, on a
 * real hub against the STAND-IN Graph (test/stand-in, built from Microsoft's documented
 * payloads; graph.microsoft.com cannot be reached from here): from the API and from a
 * phone's CardDAV DELETE, with If-Match (a newer Outlook copy is a recorded conflict,
 * resolved both ways), a 404 taken as done, kept through an outage and a lost sign-in, and
 * never for a person that is not an Outlook contact or a contact merged into another.
 */
describe.each(testDatabaseKinds())('deleting Outlook contacts from the hub on %s', (kind) => {
  let hub: TestHub;
  let standIn: MsgraphStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let account: StandInAccount;
  let connectionId: string;
  let credentialId: string;

  const api = (user: SignedUpUser, method: string, url: string, payload?: unknown) =>
    hub.app.inject({
      method: method as 'GET',
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  /** The person of an Outlook contact (deleted ones too). */
  async function person(n: number) {
    const { rows } = await hub.db.asOwner((tx) =>
      tx.query<{ id: string; version: number; deleted: boolean; title: string; properties: Record<string, unknown> }>(
        `SELECT id, version, deleted_at IS NOT NULL AS deleted, title, properties FROM public.entities
          WHERE owner_id = $1 AND source = 'msgraph' AND external_id = $2`,
        [alice.id, contactPayload(n).id],
      ),
    );
    return rows[0]!;
  }

  const inOutlook = (n: number) => {
    const item = collectionOf(account, 'contacts').items.get(contactPayload(n).id);
    return item && !item.removed ? item.body : undefined;
  };
  const deletesOf = (n: number) => standIn.state.contactDeletes.filter((d) => d.id === contactPayload(n).id);
  const gone = (n: number, what: string) =>
    eventually(async () => (inOutlook(n) === undefined ? true : undefined), what);
  const pending = () =>
    hub.db.asOwner((tx) =>
      tx.query<{ entity_id: string; kind: string }>(
        'SELECT entity_id, kind FROM made_open.msgraph_pending_pushes WHERE connection_id = $1',
        [connectionId],
      ),
    );
  const contactConflicts = async () =>
    (
      (await api(alice, 'GET', '/api/v1/conflicts')).json().conflicts as {
        id: string;
        capability: string;
        entityId: string;
        local: Record<string, unknown>;
        remote: { properties: Record<string, unknown> };
      }[]
    ).filter((c) => c.capability === 'contacts');
  const deletePerson = async (n: number) => {
    const deleted = await api(alice, 'DELETE', `/api/v1/entities/${(await person(n)).id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
  };
  const syncNow = (after?: number) => syncAndWait(hub, alice, connectionId, after);
  /** A new contact edited on both sides (an edit conflict recorded), then deleted in Outlook. */
  async function editConflictDeletedInOutlook(n: number) {
    put(account, 'contacts', contactPayload(n));
    await syncNow();
    const before = await person(n);
    editRemotely(account, 'contacts', contactPayload(n).id, { jobTitle: 'Theirs' });
    const edited = await api(alice, 'PATCH', `/api/v1/entities/${before.id}`, {
      version: before.version,
      properties: { ...before.properties, jobTitle: 'Mine' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    const conflict = await eventually(
      async () => (await contactConflicts()).find((c) => c.entityId === before.id),
      'an edit conflict',
    );
    remove(account, 'contacts', contactPayload(n).id);
    return { before, conflict };
  }

  beforeAll(async () => {
    const started = await msgraphStandIn();
    standIn = started.standIn;
    hub = await createTestHub(kind, started.env, {
      sync: { retry: { limit: 3, backoff: { type: 'fixed', delaySeconds: 1 } } },
    });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    expect((await api(alice, 'PATCH', '/api/v1/settings', { defaultRegion: 'US' })).statusCode).toBe(200);
    const app = await registerApp(hub, standIn, alice, { mail: 'alice@contoso.example', secret: false });
    account = app.account;
    credentialId = app.credentialId;
    for (let n = 1; n <= 12; n += 1) put(account, 'contacts', contactPayload(n));
    const trip = await signIn(hub, standIn, alice, { credentialId, account });
    connectionId = trip.connectionId!;
    await syncNow(0);
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await standIn?.close();
  }, 120_000);

  it('deletes the Outlook contact when its person is deleted through the API; the delta that follows changes nothing', async () => {
    const seenKey = inOutlook(1)!.changeKey;
    // Bob cannot delete Alice's person, and nothing reaches her Outlook.
    expect((await api(bob, 'DELETE', `/api/v1/entities/${(await person(1)).id}`)).statusCode).toBe(404);
    await deletePerson(1);
    await gone(1, 'the contact deleted in Outlook');
    expect(deletesOf(1)).toEqual([{ id: contactPayload(1).id, ifMatch: `W/"${String(seenKey)}"`, status: 204 }]);
    await eventually(async () => ((await pending()).rows.length === 0 ? true : undefined), 'nothing left pending');

    // The delta brings Outlook's @removed: the person stays deleted, no second DELETE, no error.
    const before = await person(1);
    await syncNow();
    expect(await person(1)).toMatchObject({ deleted: true, version: before.version });
    expect(deletesOf(1)).toHaveLength(1);
    expect(await contactConflicts()).toEqual([]);
  }, 120_000);

  it("deletes the Outlook contact when a phone's CardDAV DELETE removes it", async () => {
    const { id } = await person(2);
    const password = await api(alice, 'POST', '/api/v1/dav/app-passwords', { name: 'Phone' });
    expect(password.statusCode, password.body).toBe(201);
    const authorization = `Basic ${Buffer.from(`${alice.email}:${password.json().password}`).toString('base64')}`;
    const url = `/dav/addressbooks/${alice.id}/contacts/${id}.vcf`;
    const card = await hub.app.inject({ method: 'GET', url, headers: { authorization } });
    expect(card.statusCode, card.body).toBe(200);
    const deleted = await hub.app.inject({
      method: 'DELETE',
      url,
      headers: { authorization, 'if-match': String(card.headers.etag) },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    await gone(2, 'the phone deletion in Outlook');
    expect(deletesOf(2).map((d) => d.status)).toEqual([204]);
    expect((await person(2)).deleted).toBe(true);
  }, 120_000);

  it('records a deletion that meets a newer Outlook copy as a conflict, deleting nothing there; resolved both ways', async () => {
    // Changed in Outlook on another device, not synced yet: the hub's deletion is refused by If-Match.
    editRemotely(account, 'contacts', contactPayload(3).id, { jobTitle: 'Promoted in Outlook' });
    await deletePerson(3);
    const conflict = await eventually(async () => (await contactConflicts())[0], 'a contacts conflict');
    expect(conflict).toMatchObject({ entityId: (await person(3)).id, local: { deleted: true } });
    expect(conflict.remote.properties.jobTitle).toBe('Promoted in Outlook');
    expect(inOutlook(3)!.jobTitle).toBe('Promoted in Outlook');
    expect(deletesOf(3).map((d) => d.status)).toEqual([412]);
    expect((await api(bob, 'GET', '/api/v1/conflicts')).json().conflicts).toEqual([]);
    // One person's conflicts (a contact page's): only that person's; Bob's view of them is empty, a malformed id a 400.
    const ofPerson = (user: SignedUpUser, query: string) => api(user, 'GET', `/api/v1/conflicts?${query}`);
    const mineOnly = await ofPerson(alice, `entityId=${(await person(3)).id}`);
    expect(mineOnly.statusCode, mineOnly.body).toBe(200);
    expect(mineOnly.json().conflicts.map((c: { id: string }) => c.id)).toEqual([conflict.id]);
    expect((await ofPerson(alice, `entityId=${(await person(4)).id}`)).json().conflicts).toEqual([]);
    const bobs = await ofPerson(bob, `entityId=${(await person(3)).id}`);
    expect(bobs.statusCode).toBe(200);
    expect(bobs.json().conflicts).toEqual([]);
    for (const bad of ['entityId=not-a-uuid', "entityId=1'%20OR%201=1", 'entityId='])
      expect((await ofPerson(alice, bad)).statusCode, bad).toBe(400);
    // Until the owner chooses, the sync neither brings the person back nor deletes Outlook's copy.
    await syncNow();
    expect((await person(3)).deleted).toBe(true);
    expect(inOutlook(3)).toBeDefined();
    expect((await pending()).rows).toEqual([]);

    // "Keep theirs": the person comes back as Outlook has it; a later deletion then goes ahead.
    const kept = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep: 'remote' });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(await person(3)).toMatchObject({ deleted: false, properties: { jobTitle: 'Promoted in Outlook' } });
    const found = await api(alice, 'GET', `/api/v1/persons/lookup?email=${encodeURIComponent('contact3@example.net')}`);
    expect(found.statusCode, found.body).toBe(200);
    await syncNow();
    expect((await person(3)).deleted).toBe(false);
    expect(inOutlook(3)).toBeDefined();
    await deletePerson(3);
    await gone(3, 'the second deletion in Outlook');
    expect(await contactConflicts()).toEqual([]);

    // "Keep mine": Outlook's newer copy is deleted (If-Match on the version the conflict showed).
    const newer = editRemotely(account, 'contacts', contactPayload(4).id, { companyName: 'Their company' });
    await deletePerson(4);
    const second = await eventually(async () => (await contactConflicts())[0], 'a second contacts conflict');
    expect(inOutlook(4)).toBeDefined();
    const mine = await api(alice, 'POST', `/api/v1/conflicts/${second.id}/resolve`, { keep: 'local' });
    expect(mine.statusCode, mine.body).toBe(200);
    expect(inOutlook(4)).toBeUndefined();
    expect(deletesOf(4).at(-1)).toMatchObject({ ifMatch: `W/"${String(newer.changeKey)}"`, status: 204 });
    expect((await person(4)).deleted).toBe(true);
    expect(await contactConflicts()).toEqual([]);
    const again = await api(alice, 'POST', `/api/v1/conflicts/${second.id}/resolve`, { keep: 'local' });
    expect(again.json().error.code).toBe('conflict_resolved');
  }, 180_000);

  it('settles a deletion conflict that Outlook deleted too, with either choice, without bringing the person back', async () => {
    for (const [n, keep] of [
      [14, 'remote'],
      [15, 'local'],
    ] as const) {
      put(account, 'contacts', contactPayload(n));
      await syncNow();
      editRemotely(account, 'contacts', contactPayload(n).id, { jobTitle: 'Changed, then deleted, in Outlook' });
      await deletePerson(n);
      const { id } = await person(n);
      const conflict = await eventually(
        async () => (await contactConflicts()).find((c) => c.entityId === id),
        'a contacts conflict',
      );
      // Outlook deletes it too before the owner chooses (the sync has not run: nothing in the hub knows yet).
      remove(account, 'contacts', contactPayload(n).id);
      const chosen = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep });
      expect(chosen.statusCode, chosen.body).toBe(200);
      // "Keep Outlook's copy": there is none, and the answer says so; "Delete in Outlook too": done already.
      expect(chosen.json().result).toEqual(
        keep === 'remote'
          ? { id: conflict.entityId, deleted: true, outlook: 'gone' }
          : { id: conflict.entityId, deleted: true },
      );
      expect((await person(n)).deleted).toBe(true);
      expect(await contactConflicts()).toEqual([]);
      // The sync that brings Outlook's @removed changes nothing; the person stays deleted.
      await syncNow();
      expect((await person(n)).deleted).toBe(true);
      expect(await contactConflicts()).toEqual([]);
    }
  }, 180_000);

  it("settles an edit conflict that Outlook deleted meanwhile: keeping mine saves it there again, keeping Outlook's says it is gone", async () => {
    // The third: the sync applied Outlook's deletion (the person deleted here) before the owner chose.
    for (const [n, keep, syncedFirst] of [
      [16, 'local', false],
      [17, 'remote', false],
      [18, 'local', true],
    ] as const) {
      const { before, conflict } = await editConflictDeletedInOutlook(n);
      if (syncedFirst) {
        await syncNow();
        expect((await person(n)).deleted).toBe(true);
      }
      const chosen = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep });
      expect(chosen.statusCode, chosen.body).toBe(200);
      expect(await contactConflicts()).toEqual([]);
      if (keep === 'local') {
        // The owner's version is an Outlook contact again (a new one), and the same person is linked to it.
        expect(chosen.json().result).toMatchObject({ id: before.id, outlook: 'recreated' });
        const { rows } = await hub.db.asOwner((tx) =>
          tx.query<{ external_id: string; deleted: boolean; job: string }>(
            `SELECT external_id, deleted_at IS NOT NULL AS deleted, properties->>'jobTitle' AS job
               FROM public.entities WHERE id = $1`,
            [before.id],
          ),
        );
        expect(rows[0]).toMatchObject({ deleted: false, job: 'Mine' });
        expect(rows[0]!.external_id).not.toBe(contactPayload(n).id);
        const again = collectionOf(account, 'contacts').items.get(rows[0]!.external_id);
        expect(again?.removed ? undefined : again?.body).toMatchObject({ jobTitle: 'Mine' });
        // The sync brings the old contact's @removed and the new one: the person stays, once.
        await syncNow();
        const after = await hub.db.asOwner((tx) =>
          tx.query<{ id: string }>(
            `SELECT id FROM public.entities WHERE owner_id = $1 AND properties->>'jobTitle' = 'Mine' AND deleted_at IS NULL
               AND type = 'person' AND title = $2`,
            [alice.id, before.title],
          ),
        );
        expect(after.rows).toEqual([{ id: before.id }]);
      } else {
        // Nothing of Outlook's to keep: the answer says so, and the person goes here too, at once.
        expect(chosen.json().result).toEqual({ id: before.id, outlook: 'gone' });
        expect((await person(n)).deleted).toBe(true);
        await syncNow();
        expect((await person(n)).deleted).toBe(true);
        expect(await contactConflicts()).toEqual([]);
      }
    }
  }, 180_000);

  /** A contact deleted in Outlook (not synced yet), then edited in the hub: the edit's push meets a 404. */
  async function editedHereDeletedInOutlook(n: number) {
    put(account, 'contacts', contactPayload(n));
    await syncNow();
    const before = await person(n);
    remove(account, 'contacts', contactPayload(n).id);
    const edited = await api(alice, 'PATCH', `/api/v1/entities/${before.id}`, {
      version: before.version,
      properties: { ...before.properties, jobTitle: 'Mine' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    return before;
  }

  it('records an edit of a contact Outlook deleted as a conflict, never lost: saved there again, or deleted here too', async () => {
    for (const [n, keep] of [
      [20, 'local'],
      [21, 'remote'],
    ] as const) {
      const before = await editedHereDeletedInOutlook(n);
      const conflict = await eventually(
        async () => (await contactConflicts()).find((c) => c.entityId === before.id),
        'a conflict for the edit Outlook could not take',
      );
      expect(conflict.local).toMatchObject({ fields: { jobTitle: 'Mine' }, remoteVersion: null });
      expect(conflict.remote).toMatchObject({ deleted: true, title: before.title });
      // The sync brings Outlook's deletion meanwhile: the conflict stays for the owner to settle.
      await syncNow();
      expect((await person(n)).deleted).toBe(true);
      expect((await contactConflicts()).map((c) => c.id)).toEqual([conflict.id]);

      const chosen = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep });
      expect(chosen.statusCode, chosen.body).toBe(200);
      expect(await contactConflicts()).toEqual([]);
      if (keep === 'local') {
        expect(chosen.json().result).toMatchObject({ id: before.id, outlook: 'recreated' });
        const now = await hub.db.asOwner((tx) =>
          tx.query<{ external_id: string; deleted: boolean }>(
            'SELECT external_id, deleted_at IS NOT NULL AS deleted FROM public.entities WHERE id = $1',
            [before.id],
          ),
        );
        expect(now.rows[0]!.deleted).toBe(false);
        const again = collectionOf(account, 'contacts').items.get(now.rows[0]!.external_id);
        expect(again?.removed ? undefined : again?.body).toMatchObject({ jobTitle: 'Mine' });
      } else {
        expect(chosen.json().result).toEqual({ id: before.id, outlook: 'gone' });
        expect((await person(n)).deleted).toBe(true);
      }
    }
  }, 180_000);

  it("lets an edit of a contact Outlook deleted go, when the owner keeps Outlook's, before the sync saw the deletion", async () => {
    const before = await editedHereDeletedInOutlook(22);
    const conflict = await eventually(
      async () => (await contactConflicts()).find((c) => c.entityId === before.id),
      'a conflict for the edit Outlook could not take',
    );
    expect((await person(22)).deleted).toBe(false);
    const chosen = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep: 'remote' });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json().result).toEqual({ id: before.id, outlook: 'gone' });
    // Deleted here at once, as the sync would; the sync's @removed after it changes nothing.
    expect((await person(22)).deleted).toBe(true);
    await syncNow();
    expect(await person(22)).toMatchObject({ deleted: true });
    expect(deletesOf(22)).toEqual([]);
    expect(await contactConflicts()).toEqual([]);
  }, 120_000);

  it("records an edit as a conflict when a sync applied Outlook's deletion of the contact before its push went", async () => {
    put(account, 'contacts', contactPayload(23));
    await syncNow();
    const before = await person(23);
    remove(account, 'contacts', contactPayload(23).id);
    // The push's first try meets a Graph outage after the sync brought Outlook's deletion in:
    // its retry finds the person deleted and the contact's row forgotten.
    standIn.state.beforeContactPatch = async (id) => {
      if (id !== contactPayload(23).id) return;
      standIn.state.beforeContactPatch = undefined;
      await syncNow();
      return { status: 500, json: { error: { code: 'InternalServerError', message: 'Try again.' } } };
    };
    try {
      const edited = await api(alice, 'PATCH', `/api/v1/entities/${before.id}`, {
        version: before.version,
        properties: { ...before.properties, jobTitle: 'Mine, overtaken' },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      const conflict = await eventually(
        async () => (await contactConflicts()).find((c) => c.entityId === before.id),
        'a conflict for the edit the sync overtook',
      );
      expect(conflict.local).toMatchObject({
        fields: { jobTitle: 'Mine, overtaken' },
        baseVersion: before.version + 1,
      });
      expect(conflict.remote).toMatchObject({ deleted: true, title: before.title });
      expect((await person(23)).deleted).toBe(true);
      // Saved to Outlook again on the owner's word: the same person, its edit kept.
      const chosen = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep: 'local' });
      expect(chosen.statusCode, chosen.body).toBe(200);
      expect(chosen.json().result).toMatchObject({ id: before.id, outlook: 'recreated' });
      const { rows } = await hub.db.asOwner((tx) =>
        tx.query<{ external_id: string; deleted: boolean }>(
          'SELECT external_id, deleted_at IS NOT NULL AS deleted FROM public.entities WHERE id = $1',
          [before.id],
        ),
      );
      expect(rows[0]!.deleted).toBe(false);
      const again = collectionOf(account, 'contacts').items.get(rows[0]!.external_id);
      expect(again?.removed ? undefined : again?.body).toMatchObject({ jobTitle: 'Mine, overtaken' });
    } finally {
      standIn.state.beforeContactPatch = undefined;
    }
  }, 180_000);

  it("records nothing for a contact Outlook deleted after the hub's edit of it was pushed", async () => {
    put(account, 'contacts', contactPayload(24));
    await syncNow();
    const before = await person(24);
    const edited = await api(alice, 'PATCH', `/api/v1/entities/${before.id}`, {
      version: before.version,
      properties: { ...before.properties, jobTitle: 'Pushed before' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    await eventually(
      async () => (inOutlook(24)?.jobTitle === 'Pushed before' ? true : undefined),
      'the edit in Outlook',
    );
    remove(account, 'contacts', contactPayload(24).id);
    await syncNow();
    expect((await person(24)).deleted).toBe(true);
    // The edit's event delivered again (at least once delivery): it was sent, Outlook's deletion stands.
    await deliverEditAgain(hub, before.id);
    // Its consumer's answer, were it wrong, would be a conflict recorded within moments.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await contactConflicts()).toEqual([]);
  }, 120_000);

  it('deletes the contact it made for "keep mine" again when the conflict was settled in another tab meanwhile', async () => {
    const { before, conflict } = await editConflictDeletedInOutlook(19);
    // "Keep mine" makes a new contact; before its answer arrives, another tab keeps Outlook's.
    let made: string | undefined;
    let otherTab: Awaited<ReturnType<typeof api>> | undefined;
    standIn.state.afterContactCreate = async (id) => {
      standIn.state.afterContactCreate = undefined;
      made = id;
      otherTab = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep: 'remote' });
    };
    try {
      const mine = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep: 'local' });
      expect(mine.statusCode, mine.body).toBe(409);
      expect(mine.json().error.code).toBe('conflict_resolved');
    } finally {
      standIn.state.afterContactCreate = undefined;
    }
    expect(otherTab?.statusCode, otherTab?.body).toBe(200);
    expect(otherTab!.json().result).toEqual({ id: before.id, outlook: 'gone' });
    // The contact made for the losing choice is gone from Outlook again; nothing links to it.
    expect(made).toBeDefined();
    const extra = collectionOf(account, 'contacts').items.get(made!);
    expect(extra?.removed ? undefined : extra?.body).toBeUndefined();
    expect(standIn.state.contactDeletes.filter((d) => d.id === made)).toMatchObject([{ status: 204 }]);
    expect(await contactConflicts()).toEqual([]);
    await syncNow();
    expect(await person(19)).toMatchObject({ deleted: true });
    const linked = await hub.db.asOwner((tx) =>
      tx.query('SELECT id FROM public.entities WHERE owner_id = $1 AND external_id = $2', [alice.id, made]),
    );
    expect(linked.rows).toEqual([]);
  }, 120_000);

  it('deletes over an Outlook change to what the hub does not show (a category): no conflict', async () => {
    editRemotely(account, 'contacts', contactPayload(5).id, { categories: ['Red category'] });
    await deletePerson(5);
    await gone(5, 'the contact deleted in Outlook');
    expect(deletesOf(5).map((d) => d.status)).toEqual([412, 204]);
    expect(await contactConflicts()).toEqual([]);
  }, 120_000);

  it('records a deletion Outlook refuses for good (no permission to write contacts) as a conflict: sent again once allowed, or the person back', async () => {
    for (const [n, keep] of [
      [25, 'local'],
      [26, 'remote'],
    ] as const) {
      put(account, 'contacts', contactPayload(n));
      await syncNow();
      const before = await person(n);
      standIn.state.refuseContactWrites = true;
      try {
        await deletePerson(n);
        // Kept where the owner sees it, with the reason: Outlook still has the contact.
        const conflict = await eventually(
          async () => (await contactConflicts()).find((c) => c.entityId === before.id),
          'a conflict for the refused deletion',
        );
        expect(conflict.local).toMatchObject({ deleted: true, baseVersion: before.version + 1 });
        expect(conflict.remote).toMatchObject({ refused: true, title: before.title });
        expect(deletesOf(n).map((d) => d.status)).toEqual([403]);
        expect(inOutlook(n)).toBeDefined();
        expect((await pending()).rows).toEqual([]);
        if (keep === 'local') {
          const still = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep });
          expect(still.statusCode, still.body).toBe(422);
          expect(still.json().error.code).toBe('provider_credential');
        }
        standIn.state.refuseContactWrites = false;
        const chosen = await api(alice, 'POST', `/api/v1/conflicts/${conflict.id}/resolve`, { keep });
        expect(chosen.statusCode, chosen.body).toBe(200);
        expect(await contactConflicts()).toEqual([]);
        if (keep === 'local') {
          expect(inOutlook(n)).toBeUndefined();
          expect((await person(n)).deleted).toBe(true);
        } else {
          expect(inOutlook(n)).toBeDefined();
          expect(await person(n)).toMatchObject({ id: before.id, deleted: false, title: before.title });
        }
      } finally {
        standIn.state.refuseContactWrites = false;
      }
    }
  }, 180_000);

  it('takes a 404 (deleted in Outlook already) as done', async () => {
    // Deleted in Outlook and not synced yet, then deleted in the hub.
    remove(account, 'contacts', contactPayload(6).id);
    await deletePerson(6);
    await eventually(async () => (deletesOf(6).length > 0 ? true : undefined), 'the DELETE sent');
    expect(deletesOf(6).map((d) => d.status)).toEqual([404]);
    await eventually(async () => ((await pending()).rows.length === 0 ? true : undefined), 'nothing left pending');
    await syncNow();
    expect((await person(6)).deleted).toBe(true);
    expect(deletesOf(6)).toHaveLength(1);
    expect(await contactConflicts()).toEqual([]);
  }, 120_000);

  it('keeps a deletion through a Graph outage and sends it once Graph answers again', async () => {
    standIn.state.failContactDeletes = 1_000_000;
    await deletePerson(7);
    await eventually(async () => (deletesOf(7).length > 0 ? true : undefined), 'a DELETE tried');
    expect(inOutlook(7)).toBeDefined();
    const kept = await pending();
    expect(kept.rows).toEqual([{ entity_id: (await person(7)).id, kind: 'delete' }]);
    // Graph is back: the next sync sends what was kept before its first page.
    standIn.state.failContactDeletes = 0;
    await syncNow();
    expect(inOutlook(7)).toBeUndefined();
    expect(deletesOf(7).map((d) => d.status)).toContain(204);
    expect((await pending()).rows).toEqual([]);
  }, 180_000);

  it('does not let a sync that saw a newer Outlook copy before a kept deletion was sent delete that copy unseen', async () => {
    put(account, 'contacts', contactPayload(13));
    await syncNow();
    standIn.state.failContactDeletes = 1_000_000;
    const personId = (await person(13)).id;
    await deletePerson(13);
    await eventually(async () => (deletesOf(13).length > 0 ? true : undefined), 'a DELETE tried');
    // Changed in Outlook meanwhile, and a sync page recorded that copy as seen before the deletion went.
    const newer = editRemotely(account, 'contacts', contactPayload(13).id, { jobTitle: 'Changed meanwhile' });
    await hub.db.asUser(alice.claims, async (tx) => {
      const { rows } = await tx.query<{ generation: number }>(
        'SELECT generation FROM made_open.msgraph_items WHERE connection_id = $1 AND external_id = $2',
        [connectionId, newer.id],
      );
      await msgraphRepository.saveSeen(
        tx,
        { connectionId, ownerId: alice.id, resource: 'contacts', generation: rows[0]!.generation },
        [
          {
            externalId: newer.id,
            entityType: 'person',
            changeKey: String(newer.changeKey),
            fieldsDigest: contactFieldsDigest(newer),
          },
        ],
      );
    });
    standIn.state.failContactDeletes = 0;
    await syncNow();
    // The consumer's retry of the deletion (waiting since the outage) has run too.
    await eventually(async () => {
      const { rows } = await hub.db.asOwner((tx) =>
        tx.query(
          `SELECT 1 FROM made_open.event_failures f JOIN made_open.outbox o ON o.id = f.event_id
            WHERE f.consumer = 'msgraph-contacts-delete' AND o.subject = $1`,
          [personId],
        ),
      );
      return rows.length === 0 ? true : undefined;
    }, "the consumer's retry done");
    // The deletion still carries the version the owner deleted: Outlook's newer copy is a conflict, recorded once
    // whichever sent it (the sync's flush or the consumer's retry).
    expect(inOutlook(13)).toMatchObject({ jobTitle: 'Changed meanwhile' });
    const recorded = (await api(alice, 'GET', `/api/v1/conflicts?all=true&entityId=${personId}`)).json().conflicts;
    expect(recorded).toHaveLength(1);
    const [conflict] = await contactConflicts();
    expect(conflict).toMatchObject({ entityId: (await person(13)).id, local: { deleted: true } });
    const mine = await api(alice, 'POST', `/api/v1/conflicts/${conflict!.id}/resolve`, { keep: 'local' });
    expect(mine.statusCode, mine.body).toBe(200);
    expect(inOutlook(13)).toBeUndefined();
  }, 180_000);

  it('keeps a deletion made while the connection needs signing in, and sends it first after sign-in', async () => {
    standIn.state.behaviour.revoked = true;
    for (const grant of standIn.state.accessTokens.values()) if (grant.accountId === account.id) grant.expiresAt = 0;
    const tested = await api(alice, 'POST', `/api/v1/connections/${connectionId}/test`);
    expect(tested.json()).toMatchObject({ connection: { status: 'needs_reauth' } });
    await deletePerson(8);
    await eventually(async () => ((await pending()).rows.length === 1 ? true : undefined), 'the deletion kept');
    expect(inOutlook(8)).toBeDefined();
    expect(deletesOf(8)).toEqual([]);

    standIn.state.behaviour.revoked = false;
    const trip = await signIn(hub, standIn, alice, { credentialId, account, connectionId });
    expect(trip.error).toBeNull();
    await syncNow();
    expect(inOutlook(8)).toBeUndefined();
    expect((await pending()).rows).toEqual([]);
  }, 180_000);

  it('sends nothing for a person that is no Outlook contact, nor for a contact merged into another', async () => {
    const count = standIn.state.contactDeletes.length;
    const made = await api(alice, 'POST', '/api/v1/persons', { name: 'Hub Only', emails: ['hub.only@example.org'] });
    expect(made.statusCode, made.body).toBe(201);
    expect((await api(alice, 'DELETE', `/api/v1/entities/${made.json().id}`)).statusCode).toBe(204);
    // Contact 10 merged into contact 9's person: the merge deletes nothing in Outlook.
    const merged = await api(alice, 'POST', `/api/v1/persons/${(await person(9)).id}/merge`, {
      otherId: (await person(10)).id,
    });
    expect(merged.statusCode, merged.body).toBe(200);
    // Deleting the survivor deletes its own contact only: contact 10 was not deleted by anyone.
    await deletePerson(9);
    await gone(9, "the survivor's contact deleted in Outlook");
    // Events reach the consumer in order: the deletion and the merge before it sent nothing.
    expect(standIn.state.contactDeletes.slice(count).map((d) => d.id)).toEqual([contactPayload(9).id]);
    expect(inOutlook(10)).toBeDefined();
    expect(deletesOf(10)).toEqual([]);
  }, 120_000);

  it("does not send Outlook's own deletion back to it", async () => {
    remove(account, 'contacts', contactPayload(11).id);
    await syncNow();
    expect((await person(11)).deleted).toBe(true);
    // A hub deletion after it, to know the consumer has handled the earlier event.
    await deletePerson(12);
    await gone(12, 'the contact deleted in Outlook');
    expect(deletesOf(11)).toEqual([]);
  }, 120_000);
});

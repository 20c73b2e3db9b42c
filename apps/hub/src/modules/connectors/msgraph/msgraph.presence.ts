import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { presenceAvailabilities, presenceLabel, type PresenceAvailability } from '@made-open/shared/presence-events';
import type { Database, Sql } from '../../../platform/db/index.ts';
import { NotFoundError } from '../../../platform/errors.ts';
import { requireUser } from '../../../platform/http/authentication.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { EventOutbox } from '../../events/index.ts';
import type { WalletService } from '../../wallet/index.ts';
import type { ConnectContext } from '../connectors.contract.ts';
import { ownerClaims } from '../connectors.sync.ts';
import type { GraphClient } from './msgraph.client.ts';
import { presenceRepository as repo, type PresenceRow } from './msgraph.presence.repository.ts';

/** getPresencesByUserId takes at most 650 ids. */
const presenceIdsPerCall = 650;
/** Directory lookups per connection and tick (one $batch). */
const lookupsPerTick = 20;
/** A colleague not found, or not permitted, is looked up again after this long. */
const lookupAgainMs = 24 * 60 * 60_000;

type ClientContext = Pick<ConnectContext<unknown>, 'connectionId' | 'ownerId' | 'credential'>;

export interface PresenceDeps {
  db: Database;
  logger: Logger;
  wallet: Pick<WalletService, 'unseal'>;
  outbox?: Pick<EventOutbox, 'append'>;
  clientFor(context: ClientContext): GraphClient;
  /** Default 60 s. */
  tickMs?: number;
}

interface Presence {
  availability: PresenceAvailability;
  activity: string;
}

/** Graph's answer, checked: an unknown availability is PresenceUnknown, an odd activity is dropped to it too. */
export function presenceOf(value: unknown): Presence | undefined {
  const body = value as { availability?: unknown; activity?: unknown } | null | undefined;
  if (!body || typeof body !== 'object') return undefined;
  const availability = (presenceAvailabilities as readonly unknown[]).includes(body.availability)
    ? (body.availability as PresenceAvailability)
    : 'PresenceUnknown';
  const activity =
    typeof body.activity === 'string' && /^[A-Za-z]{1,50}$/.test(body.activity) ? body.activity : 'PresenceUnknown';
  return { availability, activity };
}

/** OData string literal: single quotes doubled. */
const odataString = (value: string) => `'${value.replace(/'/g, "''")}'`;

type WorkConnection = {
  id: string;
  owner_id: string;
  credential_id: string;
  label: string;
};

/**
 * Teams presence for work accounts (issue 13 §6): every tick, for each active connection
 * with `workAccount`, the account's own presence (GET /me/presence) and its colleagues'
 * (persons whose email is in the account's domain, resolved to directory ids through
 * /users?$filter=mail eq … in a $batch and cached; then POST
 * /communications/getPresencesByUserId). Only a change is stored and emitted as
 * presence.Changed. A 403 (not permitted) is remembered and skipped quietly.
 */
export function createPresence(deps: PresenceDeps) {
  const { db, logger } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  const asOwner = <T>(ownerId: string, work: (tx: Sql) => Promise<T>) => db.asUser(ownerClaims(ownerId), work);

  async function record(connection: WorkConnection, row: PresenceRow, next: Presence) {
    if (row.availability === next.availability && row.activity === next.activity) return false;
    await asOwner(connection.owner_id, async (tx) => {
      await repo.setPresence(tx, connection.id, row.email, next);
      await deps.outbox?.append(tx, {
        type: 'presence.Changed',
        ownerId: connection.owner_id,
        subject: row.person_id ?? connection.id,
        actor: { kind: 'connector', id: connection.id },
        data: {
          connectionId: connection.id,
          provider: 'microsoft',
          personId: row.person_id,
          self: row.is_self,
          availability: next.availability,
          activity: next.activity,
          previous:
            row.availability && row.activity
              ? (presenceOf({ availability: row.availability, activity: row.activity }) ?? null)
              : null,
        },
      });
    });
    return true;
  }

  async function lookUp(
    connection: WorkConnection,
    graph: GraphClient,
    colleagues: { email: string; personId: string }[],
  ) {
    const rows = await asOwner(connection.owner_id, (tx) => repo.list(tx, connection.id));
    const known = new Map(rows.map((r) => [r.email, r]));
    const due = colleagues
      .filter((c) => {
        const row = known.get(c.email);
        if (!row) return true;
        return row.lookup !== 'found' && Date.now() - new Date(row.looked_up_at).getTime() > lookupAgainMs;
      })
      .slice(0, lookupsPerTick);
    // A person's id may change (merged persons): keep the mapping's person current.
    const moved = colleagues.filter((c) => {
      const row = known.get(c.email);
      return row && row.person_id !== c.personId;
    });
    if (moved.length > 0)
      await asOwner(connection.owner_id, async (tx) => {
        for (const c of moved) await repo.setPerson(tx, connection.id, c.email, c.personId);
      });
    if (due.length === 0) return;
    const answers = await graph.batch(
      due.map((c, n) => ({
        id: String(n),
        method: 'GET' as const,
        url: `/users?$filter=${encodeURIComponent(`mail eq ${odataString(c.email)}`)}&$select=id,mail`,
      })),
    );
    await asOwner(connection.owner_id, async (tx) => {
      for (const [n, c] of due.entries()) {
        const answer = answers.get(String(n));
        if (!answer) continue;
        if (answer.status === 403 || answer.status === 401) {
          await repo.saveLookup(tx, {
            connectionId: connection.id,
            ownerId: connection.owner_id,
            email: c.email,
            personId: c.personId,
            lookup: 'forbidden',
            graphUserId: null,
          });
          continue;
        }
        if (answer.status !== 200) continue; // tried again next tick
        const id = (answer.body as { value?: { id?: unknown }[] } | undefined)?.value?.[0]?.id;
        const found = typeof id === 'string' && id.length > 0 && id.length <= 200;
        await repo.saveLookup(tx, {
          connectionId: connection.id,
          ownerId: connection.owner_id,
          email: c.email,
          personId: c.personId,
          lookup: found ? 'found' : 'not_found',
          graphUserId: found ? id : null,
        });
      }
    });
  }

  /** One pass for one connection; returns how many presences changed. */
  async function refresh(connection: WorkConnection): Promise<number> {
    const credential = await deps.wallet.unseal(connection.owner_id, connection.credential_id);
    if (!credential) return 0;
    const graph = deps.clientFor({
      connectionId: connection.id,
      ownerId: connection.owner_id,
      credential: { id: credential.id, name: credential.name, secret: credential.secret },
    });
    let changed = 0;
    const selfEmail = connection.label.toLowerCase();
    const me = await graph.send({ url: '/me/presence' });
    if (me.status === 200) {
      const presence = presenceOf(me.body);
      if (presence) {
        const row = await asOwner(connection.owner_id, (tx) =>
          repo.ensureSelf(tx, { connectionId: connection.id, ownerId: connection.owner_id, email: selfEmail }),
        );
        if (await record(connection, row, presence)) changed += 1;
      }
    } else if (me.status !== 403)
      logger.info({ connectionId: connection.id, status: me.status }, 'own presence unavailable');

    const domain = selfEmail.includes('@') ? selfEmail.slice(selfEmail.lastIndexOf('@') + 1) : '';
    if (!domain) return changed;
    const colleagues = (
      await asOwner(connection.owner_id, (tx) => repo.colleagues(tx, connection.owner_id, domain))
    ).filter((c) => c.email !== selfEmail);
    await lookUp(connection, graph, colleagues);
    const wanted = new Set(colleagues.map((c) => c.email));
    const found = (await asOwner(connection.owner_id, (tx) => repo.list(tx, connection.id))).filter(
      (r) => !r.is_self && r.lookup === 'found' && r.graph_user_id && wanted.has(r.email),
    );
    for (let i = 0; i < found.length; i += presenceIdsPerCall) {
      const chunk = found.slice(i, i + presenceIdsPerCall);
      const answer = await graph.send<{ value?: { id?: unknown }[] }>({
        method: 'POST',
        url: '/communications/getPresencesByUserId',
        json: { ids: chunk.map((r) => r.graph_user_id) },
      });
      // 403: this account may not read colleagues' presence (no Presence.Read.All): skipped quietly.
      if (answer.status !== 200) continue;
      const byUser = new Map(chunk.map((r) => [r.graph_user_id, r]));
      for (const item of answer.body?.value ?? []) {
        const row = typeof item?.id === 'string' ? byUser.get(item.id) : undefined;
        const presence = presenceOf(item);
        if (row && presence && (await record(connection, row, presence))) changed += 1;
      }
    }
    return changed;
  }

  async function workConnections(): Promise<WorkConnection[]> {
    // System read across owners: ids only; each pass then runs as its owner.
    const { rows } = await db.asSystem((tx) =>
      tx.query<WorkConnection>(
        `SELECT id, owner_id, credential_id, label FROM made_open.connections
          WHERE provider = 'microsoft' AND status = 'active' AND (options->>'workAccount')::boolean IS TRUE
          ORDER BY id LIMIT 200`,
      ),
    );
    return rows;
  }

  async function tick() {
    if (running) return;
    running = true;
    try {
      for (const connection of await workConnections())
        await refresh(connection).catch((error: unknown) =>
          logger.info({ err: error, connectionId: connection.id }, 'teams presence not refreshed'),
        );
    } catch (error) {
      logger.warn({ err: error }, 'teams presence tick failed');
    } finally {
      running = false;
    }
  }

  return {
    tick,
    refresh,
    start() {
      timer = setInterval(() => void tick(), deps.tickMs ?? 60_000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

const presenceView = z.object({
  personId: z.string(),
  availability: z.string(),
  activity: z.string(),
  label: z.string(),
  tone: z.enum(['available', 'busy', 'away', 'offline']),
  changedAt: z.string().nullable(),
  checkedAt: z.string().nullable(),
});

/** GET /api/v1/persons/:personId/presence: the latest Teams presence of one of your persons (404 when none). */
export function presenceRoutes(deps: { db: Database }) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/persons/:personId/presence',
      {
        schema: {
          tags: ['connections'],
          summary: "A person's Teams presence (Microsoft 365 work accounts), as last seen",
          params: z.object({ personId: z.string().uuid() }),
          response: { 200: presenceView },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        const row = await deps.db.asUser(user.claims, (tx) => repo.latestFor(tx, request.params.personId));
        if (!row?.availability || !row.activity) throw new NotFoundError('presence');
        const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);
        return {
          personId: request.params.personId,
          availability: row.availability,
          activity: row.activity,
          ...presenceLabel({ availability: row.availability, activity: row.activity }),
          changedAt: iso(row.changed_at),
          checkedAt: iso(row.checked_at),
        };
      },
    );
  };
}

export type MsgraphPresence = ReturnType<typeof createPresence>;

import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { vector } from '@electric-sql/pglite/vector';
import { runCommitted } from './after-commit.ts';
import { requestRole } from './claims.ts';
import type { Database, OwnerSql, RequestClaims, Row } from './types.ts';

export interface PgliteOptions {
  /** A directory for persistent data; absent for an in-memory database. */
  dataDir?: string;
  /** A tarball from `dumpDataDir()` to start from (tests clone a migrated template). */
  loadDataDir?: Blob | File;
}

/**
 * Serialises all work: PGlite is one backend, and a stray query must never land inside
 * another's transaction. Single request statements (`queryAsUser`: the API's reads and
 * writes) go ahead of queued background work (the relay, consumers, jobs, bulk ingest
 * pages), so a GET waits for the holder of the moment, not for the whole queue behind it;
 * after `requestsInARow` of them a queued background holder gets its turn, so a flood of
 * requests cannot stop events from being relayed and consumed. A continuation (the next
 * part of work split into short transactions) goes ahead of other background work.
 */
type HolderKind = 'request' | 'background' | 'continuation';

export class Mutex {
  readonly #requests: (() => void)[] = [];
  readonly #background: (() => void)[] = [];
  readonly #continuations: (() => void)[] = [];
  #busy = false;
  #inARow = 0;
  constructor(private readonly requestsInARow = 2) {}

  run<T>(work: () => Promise<T>, kind: HolderKind = 'background'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        let running: Promise<T>;
        try {
          running = work();
        } catch (error) {
          running = Promise.reject(error as Error);
        }
        running.then(resolve, reject).finally(() => this.#release());
      };
      this.#queueOf(kind).push(start);
      if (!this.#busy) {
        this.#busy = true;
        this.#next();
      }
    });
  }

  #queueOf(kind: HolderKind) {
    return kind === 'request' ? this.#requests : kind === 'continuation' ? this.#continuations : this.#background;
  }

  #release() {
    // PGlite answers without real I/O, so back-to-back holders (a bulk ingest, consumers
    // catching up) would chain promises without ever returning to the event loop, starving
    // timers and HTTP for the whole run. Each holder first lets the loop take a turn.
    setImmediate(() => this.#next());
  }

  #next() {
    const background = this.#continuations.length > 0 ? this.#continuations : this.#background;
    const backgroundsTurn =
      background.length > 0 && (this.#requests.length === 0 || this.#inARow >= this.requestsInARow);
    const start = backgroundsTurn ? background.shift() : this.#requests.shift();
    if (!start) {
      this.#busy = false;
      return;
    }
    this.#inARow = backgroundsTurn ? 0 : this.#inARow + 1;
    start();
  }
}

function wrap(tx: Transaction, committed: (() => void)[]): OwnerSql {
  return {
    afterCommit(callback) {
      committed.push(callback);
    },
    async exec(script: string) {
      await tx.exec(script);
    },
    async query<R extends Row>(text: string, params?: readonly unknown[]) {
      const result = await tx.query<R>(text, params as unknown[] | undefined);
      // PGlite reports affectedRows 0 for a SELECT; node-postgres counts the rows returned.
      return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
    },
  };
}

export const pgliteExtensions = { vector, pgcrypto, pg_trgm };

export async function openPglite(options: PgliteOptions = {}): Promise<Database & { pglite: PGlite }> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pglite = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    extensions: pgliteExtensions,
    // Match node-postgres: int8 and numeric as strings, so both drivers return the same rows.
    parsers: { 20: (v: string) => v, 1700: (v: string) => v },
  });
  const mutex = new Mutex();

  async function transaction<T>(
    setup: (tx: Transaction) => Promise<unknown>,
    work: (tx: OwnerSql) => Promise<T>,
    kind: HolderKind = 'background',
  ) {
    const committed: (() => void)[] = [];
    const result = await mutex.run(
      () =>
        pglite.transaction(async (tx) => {
          await setup(tx);
          return work(wrap(tx, committed));
        }),
      kind,
    );
    runCommitted(committed);
    return result;
  }

  function userTransaction<T>(claims: RequestClaims, work: (tx: OwnerSql) => Promise<T>, kind: HolderKind) {
    const role = requestRole(claims);
    return transaction(
      (tx) =>
        tx.query(`SELECT set_config('request.jwt.claims', $1, true), set_config('role', $2, true)`, [
          JSON.stringify(claims),
          role,
        ]),
      work,
      kind,
    );
  }

  const database: Database & { pglite: PGlite } = {
    kind: 'pglite',
    hasVector: true,
    pglite,

    async asUser(claims, work, options) {
      return userTransaction(claims, work, options?.continues ? 'continuation' : 'background');
    },

    async queryAsUser(claims, text, params) {
      return userTransaction(claims, (tx) => tx.query(text, params), 'request');
    },

    asSystem(work) {
      return transaction((tx) => tx.exec('SET LOCAL ROLE service_role'), work);
    },

    querySystem(text, params) {
      return transaction(
        (tx) => tx.exec('SET LOCAL ROLE service_role'),
        (tx) => tx.query(text, params),
      );
    },

    asOwner(work) {
      return transaction(async () => undefined, work);
    },

    async exec(text) {
      await mutex.run(() => pglite.exec(text));
    },

    async ping() {
      await mutex.run(() => pglite.query('SELECT 1'));
    },

    async close() {
      await mutex.run(() => pglite.close());
    },
  };
  return database;
}

export type Row = Record<string, unknown>;

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned or affected by the statement. */
  rowCount: number;
}

/** Something that runs a parameterised SQL statement: a transaction, usually. */
export interface Sql {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /**
   * Runs `callback` once this transaction has committed, never if it rolls back (e.g. to
   * wake a reader of what it wrote). Transactions of the Database always have it.
   */
  afterCommit?(callback: () => void): void;
}

/** The owner's transaction can also run parameterless multi-statement scripts. */
export interface OwnerSql extends Sql {
  exec(script: string): Promise<void>;
}

export type RequestRole = 'authenticated' | 'anon';

/**
 * The JWT claims a request runs under. They are set as `request.jwt.claims` exactly as
 * Supabase does, so `auth.uid()` and the RLS policies read them the same way everywhere.
 */
export interface RequestClaims {
  role: RequestRole;
  sub?: string;
  email?: string;
  session_id?: string;
  [claim: string]: unknown;
}

export type DatabaseKind = 'postgres' | 'pglite';

export interface TransactionOptions {
  /**
   * This transaction continues the caller's previous one (work split into short
   * transactions). On PGlite it goes ahead of queued background work, behind requests
   * only, so the split work keeps its place while the API's statements get through
   * between its parts. PostgreSQL runs transactions side by side and ignores it.
   */
  continues?: boolean;
}

/**
 * The one query path over PGlite and node-postgres. Application code only ever sees a
 * transaction (`Sql`) handed to it by one of these methods.
 */
export interface Database {
  readonly kind: DatabaseKind;
  /** True where pgvector is installed (PGlite; PostgreSQL where packaged). */
  readonly hasVector: boolean;
  /**
   * An interactive transaction as the requesting user: `role` and `request.jwt.claims`
   * are set locally, so every statement runs under RLS.
   */
  asUser<T>(claims: RequestClaims, work: (tx: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * One statement as the requesting user, in a single round trip where the driver allows
   * it (the hot path: reads and single-statement writes).
   */
  queryAsUser<R extends Row = Row>(
    claims: RequestClaims,
    text: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>>;
  /**
   * A transaction as `service_role`, which bypasses RLS. Only for system consumers
   * (auth bookkeeping, relay, indexer), which must carry owner_id through explicitly.
   */
  asSystem<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * One statement as `service_role`, in its own implicit transaction: a single round trip on
   * PostgreSQL, and no lock held between round trips. For system bookkeeping on the request
   * path (the shared rate limits' count, ADR 0035).
   */
  querySystem<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** A transaction as the connecting (owner) role: migrations and maintenance only. */
  asOwner<T>(work: (tx: OwnerSql) => Promise<T>): Promise<T>;
  /** Runs parameterless, possibly multi-statement SQL as the owner (migrations). */
  exec(text: string): Promise<void>;
  /** Round-trip check for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

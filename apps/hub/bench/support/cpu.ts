/**
 * CPU time spent by processes of this machine (Linux /proc), to say where a benchmark's
 * work went: the hub's process tree and the PostgreSQL backends serving one database.
 * Wall-clock rates on a shared 2-core machine swing with its load; CPU milliseconds per
 * request swing much less, so they are what to compare between code versions.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

const ticksPerSecond = 100; // USER_HZ on Linux

function processCpuMs(pid: number): number {
  try {
    // Fields after the command (which may hold spaces) start at ")": utime and stime are 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return 0; // exited, or not Linux
  }
}

function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [pid];
  }
  return [pid, ...children.flatMap(descendants)];
}

/** CPU milliseconds used so far by a process and everything it started. */
export const treeCpuMs = (pid: number) => descendants(pid).reduce((sum, p) => sum + processCpuMs(p), 0);

/** CPU milliseconds used so far by the backends connected to `database` (this machine's server only). */
export async function backendsCpuMs(adminUrl: string, database: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
      database,
    ]);
    return rows.reduce((sum, row) => sum + processCpuMs(row.pid), 0);
  } finally {
    await client.end();
  }
}

import { expect, vi } from 'vitest';
import type { TestHub } from './hub.ts';
import { bearer, type SignedUpUser } from './users.ts';

/**
 * Uploads a takeout to restore and waits for its job. Answers like a response: a refusal at
 * upload as it came, a refusal by the job with the status it records, a restore as 200 with its report.
 */
export async function restoreAndWait(hub: TestHub, user: SignedUpUser, archive: string | Buffer) {
  const started = await hub.app.inject({
    method: 'POST',
    url: '/api/v1/takeouts/restore',
    headers: { ...bearer(user), 'content-type': 'application/octet-stream' },
    payload: archive,
  });
  if (started.statusCode !== 202)
    return { statusCode: started.statusCode, body: started.body, json: () => started.json(), row: null };
  const row = await vi.waitFor(
    async () => {
      const got = await hub.app.inject({
        method: 'GET',
        url: `/api/v1/takeouts/restore/${started.json().id}`,
        headers: bearer(user),
      });
      expect(['restored', 'failed'], got.body).toContain(got.json().status);
      return got.json();
    },
    { timeout: 60_000, interval: 200 },
  );
  const answer = row.status === 'restored' ? row.report : { error: row.error };
  return {
    statusCode: row.status === 'restored' ? 200 : (row.error.status as number),
    body: JSON.stringify(answer),
    json: () => answer,
    row,
  };
}

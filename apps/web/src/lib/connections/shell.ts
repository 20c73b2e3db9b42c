import 'server-only';
import { z } from 'zod';
import { HubError } from '@/lib/errors';
import { fetchConnections } from '@/lib/connections/api';
import { sendersFor } from '@/lib/messages/senders';

/** A connection whose sign-in was refused (needs_reauth): syncing is paused until the owner signs in again. */
export interface SignInAgain {
  id: string;
  provider: string;
  label: string;
}

/** What the app shell needs from the user's connections, on every page. */
export interface ShellConnections {
  /** A Twilio number takes calls: this browser registers to ring for them. */
  voice: boolean;
  signInAgain: SignInAgain[];
}

const ConnectionsSchema = z.object({
  connections: z.array(z.object({ id: z.string(), provider: z.string(), label: z.string(), status: z.string() })),
});

/**
 * One GET /api/v1/connections for the shell (the (app) layout renders on a full load and on a
 * refresh, not on every client-side navigation). A hub that cannot answer costs the shell nothing: the page
 * itself says what is wrong.
 */
export async function shellConnections(): Promise<ShellConnections> {
  try {
    const { connections } = ConnectionsSchema.parse(await fetchConnections());
    return {
      voice: sendersFor(connections, 'voice').length > 0,
      signInAgain: connections
        .filter((c) => c.status === 'needs_reauth')
        .map(({ id, provider, label }) => ({ id, provider, label })),
    };
  } catch (error) {
    if (error instanceof HubError || error instanceof z.ZodError) return { voice: false, signInAgain: [] };
    throw error;
  }
}

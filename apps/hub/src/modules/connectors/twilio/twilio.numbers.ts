import type { Database } from '../../../platform/db/index.ts';
import { NotFoundError, UserError, ValidationError } from '../../../platform/errors.ts';
import type { AuthenticatedUser } from '../../../platform/http/authentication.ts';
import { connectorsRepository, type ConnectionRow } from '../connectors.repository.ts';

export interface NumberChoice {
  /** The connection the request named, if any: it must be one of the user's active Twilio numbers. */
  connectionId: string | undefined;
  /** When the user has none: the error code and words that say what to connect (409). */
  none: { code: string; message: string };
  /** With several and none named: use the first connected ("first") or make the user choose ("ask"). */
  several: 'first' | { ask: string };
}

/**
 * The user's connected Twilio number to text or call through (issue 12): the one named, or
 * the one they have. Read under RLS, so another user's connection id is simply not found.
 */
export async function chooseTwilioNumber(
  db: Database,
  user: AuthenticatedUser,
  choice: NumberChoice,
): Promise<ConnectionRow> {
  const rows = await db.asUser(user.claims, (tx) => connectorsRepository.list(tx, user.id));
  const live = rows.filter((row) => row.provider === 'twilio' && row.status === 'active');
  if (choice.connectionId) {
    const chosen = live.find((row) => row.id === choice.connectionId);
    if (!chosen) throw new NotFoundError('connection');
    return chosen;
  }
  if (live.length === 0) throw new UserError(409, choice.none.code, choice.none.message);
  if (live.length > 1 && choice.several !== 'first') throw new ValidationError(choice.several.ask);
  return live[0]!;
}

import { providerRegistry } from '@made-open/shared/providers';
import { createHash, randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { uuidv7 } from 'uuidv7';
import type { ProviderUrls } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import { NotFoundError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { OutboundClient } from '../../platform/http/outbound/index.ts';
import { connectorsRepository, ConnectorError, providerApi } from '../connectors/index.ts';
import {
  chooseTwilioNumber,
  ensureApiKey,
  twilioErrorOf,
  twilioRest,
  voiceIdentityOf,
} from '../connectors/twilio/index.ts';
import type { StorageService } from '../storage/index.ts';
import type { WalletService } from '../wallet/index.ts';
import { callsRepository as repo, type CallRow } from './calls.repository.ts';
import { videoRoomsRepository as rooms } from './calls.rooms.repository.ts';
import type { CallListQuery, CallView } from './calls.schemas.ts';

export interface CallsServiceDeps {
  config: { publicUrl: string; providerUrls: ProviderUrls };
  db: Database;
  outbound: OutboundClient;
  wallet: Pick<WalletService, 'unseal' | 'addSecretFields' | 'capabilities' | 'list'>;
  storage: Pick<StorageService, 'createSignedUrl'>;
}

/** Access Tokens live one hour; the browser refreshes them on tokenWillExpire. */
export const tokenSeconds = 3600;
/** A room's guest link works this long (unless the room is ended first). */
export const guestLinkSeconds = 2 * 3600;
/** A guest's token: long enough to connect (Twilio keeps a connected participant past it). */
export const guestTokenSeconds = 600;
/** Signed voicemail URLs in a call list. */
const recordingUrlSeconds = 3600;

const { AccessToken } = twilio.jwt;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const encodeCursor = (row: { occurred_at: string; id: string }) =>
  Buffer.from(JSON.stringify([new Date(row.occurred_at).toISOString(), row.id])).toString('base64url');

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id))
      return { at, id };
  } catch {
    // handled below
  }
  throw new ValidationError('cursor: not a cursor this API returned.');
}

/**
 * Calls (issue 12 §5, §6): Access Tokens for the browser (voice through the connection's TwiML
 * App, video rooms), and the owner's call history. The Twilio webhooks and the call entities
 * are the connector's (connectors/twilio/twilio.voice.ts).
 */
export function createCallsService(deps: CallsServiceDeps) {
  const { db } = deps;
  const provider = providerRegistry.get('twilio')!;
  const publicUrl = deps.config.publicUrl.replace(/\/+$/, '');

  // Numbers connected before voice existed are chosen too: the token route tells them to reconnect.
  const voiceConnection = (user: AuthenticatedUser, connectionId: string | undefined) =>
    chooseTwilioNumber(db, user, {
      connectionId,
      none: {
        code: 'no_voice_connection',
        message:
          'Connect a Twilio number first (POST /api/v1/connections with provider "twilio"): calls go through it.',
      },
      several: 'first',
    });

  /** The credential's secret with its API Key (made through the REST API when it has none). */
  async function keyedSecret(ownerId: string, credentialId: string, connectionId: string) {
    const credential = await deps.wallet.unseal(ownerId, credentialId);
    if (!credential)
      throw new UserError(409, 'credential_missing', "This number's Twilio credential is gone: reconnect the number.");
    const accountSid = String(credential.secret.accountSid);
    const api = providerApi({
      provider,
      secret: credential.secret,
      outbound: deps.outbound,
      urls: deps.config.providerUrls,
      connectionId,
    });
    try {
      const key = await ensureApiKey(ownerId, credential, twilioRest(api, accountSid), deps.wallet);
      return { accountSid, ...key };
    } catch (error) {
      const refused = twilioErrorOf(error);
      if (refused || error instanceof ConnectorError)
        throw new UserError(
          502,
          'twilio_refused',
          `Twilio would not create an API Key for browser calls (${refused?.message ?? (error as Error).message}).`,
        );
      throw error;
    }
  }

  function sign(
    secret: { accountSid: string; apiKeySid: string; apiKeySecret: string },
    identity: string,
    grant: InstanceType<typeof AccessToken.VoiceGrant> | InstanceType<typeof AccessToken.VideoGrant>,
    ttl = tokenSeconds,
  ) {
    const token = new AccessToken(secret.accountSid, secret.apiKeySid, secret.apiKeySecret, { identity, ttl });
    token.addGrant(grant);
    return { token: token.toJwt(), expiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
  }

  function viewOf(row: CallRow, url: string | null): CallView {
    const p = row.properties;
    const inbound = p.direction === 'inbound';
    const recording = p.recording as { durationSeconds?: number; path?: string } | undefined;
    return {
      id: row.id,
      direction: inbound ? 'inbound' : 'outbound',
      from: String(p.from ?? ''),
      to: String(p.to ?? ''),
      number: String((inbound ? p.from : p.to) ?? ''),
      status: String(p.status ?? 'ringing'),
      durationSeconds: typeof p.durationSeconds === 'number' ? p.durationSeconds : null,
      startedAt: typeof p.startedAt === 'string' ? p.startedAt : new Date(row.occurred_at).toISOString(),
      person: row.person_id ? { id: row.person_id, name: row.person_name ?? '' } : null,
      recording: recording
        ? { durationSeconds: recording.durationSeconds ?? null, path: recording.path ?? null, url }
        : null,
    };
  }

  return {
    /** POST /api/v1/calls/token: a Voice Access Token for this user's browsers. */
    async voiceToken(user: AuthenticatedUser, connectionId: string | undefined) {
      const connection = await voiceConnection(user, connectionId);
      const applicationSid = connection.state.applicationSid;
      if (typeof applicationSid !== 'string')
        throw new UserError(
          409,
          'reconnect_for_voice',
          `${connection.label} was connected before calls existed: disconnect it and connect it again.`,
        );
      const secret = await keyedSecret(user.id, connection.credential_id, connection.id);
      const identity = voiceIdentityOf(user.id);
      const grant = new AccessToken.VoiceGrant({ outgoingApplicationSid: applicationSid, incomingAllow: true });
      return { ...sign(secret, identity, grant), identity, connectionId: connection.id, number: connection.label };
    },

    /**
     * POST /api/v1/calls/video-token: a token for a new room for a call with this person, and
     * the room's guest link (the only time its token is shown).
     */
    async videoToken(user: AuthenticatedUser, personId: string) {
      const { capabilities } = await deps.wallet.capabilities(user);
      const video = capabilities.find((capability) => capability.name === 'video');
      if (!video?.enabled)
        throw new UserError(409, 'video_off', `Video calls are off: ${video?.reason ?? 'add a Twilio credential.'}`);
      if (!(await db.asUser(user.claims, (tx) => repo.personExists(tx, user.id, personId))))
        throw new NotFoundError('person');
      // A connected number's credential first; otherwise any tested Twilio credential.
      const rows = await db.asUser(user.claims, (tx) => connectorsRepository.list(tx, user.id));
      const connected = rows.find((row) => row.provider === 'twilio' && row.status === 'active');
      const tested = (await deps.wallet.list(user)).find((c) => c.type === 'twilio' && c.lastTestOk === true);
      const credentialId = connected?.credential_id ?? tested?.id;
      if (!credentialId) throw new UserError(409, 'video_off', 'Video calls need a tested Twilio credential.');
      const secret = await keyedSecret(user.id, credentialId, connected?.id ?? credentialId);
      const room = `call-${uuidv7()}`;
      const identity = voiceIdentityOf(user.id);
      const guestToken = randomBytes(32).toString('base64url');
      const guestExpiresAt = new Date(Date.now() + guestLinkSeconds * 1000);
      await db.asUser(user.claims, (tx) =>
        rooms.insert(tx, {
          room,
          ownerId: user.id,
          personId,
          credentialId,
          connectionId: connected?.id ?? null,
          guestTokenHash: sha256(guestToken),
          guestExpiresAt,
        }),
      );
      return {
        ...sign(secret, identity, new AccessToken.VideoGrant({ room })),
        room,
        identity,
        guest: { path: `/video/join/${guestToken}`, expiresAt: guestExpiresAt.toISOString() },
      };
    },

    /** POST /api/v1/calls/video-rooms/:room/end: the owner ends the room; its guest link stops working. */
    async endRoom(user: AuthenticatedUser, room: string) {
      if (!(await db.asUser(user.claims, (tx) => rooms.end(tx, user.id, room)))) throw new NotFoundError('room');
      return { room, ended: true as const };
    },

    /**
     * POST /api/v1/calls/video-guest-token (no account): a guest link's token and name become a
     * short-lived token for that link's room only. Unknown, expired and ended links are 404 alike.
     */
    async guestToken(token: string, name: string) {
      const row = await db.asSystem((tx) => rooms.byGuestTokenHash(tx, sha256(token)));
      if (!row) throw new NotFoundError('video link');
      // The host removed the credential since: the link is dead, and the guest learns nothing more.
      const secret = await keyedSecret(row.owner_id, row.credential_id, row.connection_id ?? row.credential_id).catch(
        (error: unknown) => {
          if (error instanceof UserError && error.code === 'credential_missing') throw new NotFoundError('video link');
          throw error;
        },
      );
      // Random part: two guests with one name are two participants; the name is for display.
      const identity = `guest_${randomBytes(4).toString('hex')}_${encodeURIComponent(name)
        .slice(0, 90)
        .replace(/%[0-9A-F]?$/, '')}`;
      const grant = new AccessToken.VideoGrant({ room: row.room });
      return { ...sign(secret, identity, grant, guestTokenSeconds), room: row.room, identity, hostName: row.host_name };
    },

    /** GET /api/v1/calls: the owner's calls, newest first, with the person each was with. */
    async list(user: AuthenticatedUser, query: CallListQuery) {
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      const rows = await db.asUser(user.claims, (tx) =>
        repo.list(tx, user.id, { filter: query.filter, limit: query.limit + 1 }, after),
      );
      const page = rows.slice(0, query.limit);
      const items: CallView[] = [];
      for (const row of page) {
        const path = (row.properties.recording as { path?: unknown } | undefined)?.path;
        let url: string | null = null;
        if (typeof path === 'string') {
          const slash = path.indexOf('/');
          const signed = await deps.storage
            .createSignedUrl(user, path.slice(0, slash), path.slice(slash + 1), recordingUrlSeconds)
            .catch((error: unknown) => {
              if (error instanceof NotFoundError) return null; // deleted from Storage since
              throw error;
            });
          url = signed ? `${publicUrl}/storage/v1${signed}` : null;
        }
        items.push(viewOf(row, url));
      }
      return { items, nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!) : null };
    },
  };
}

export type CallsService = ReturnType<typeof createCallsService>;

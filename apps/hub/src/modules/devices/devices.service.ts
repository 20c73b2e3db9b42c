import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Device } from '@made-open/shared';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../platform/db/index.ts';
import { NotFoundError, UnauthorizedError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { devicesRepository as repo, type DeviceRow } from './devices.repository.ts';

/** The device a token belongs to: what ingestion runs as. */
export interface DevicePrincipal {
  deviceId: string;
  ownerId: string;
  clipboard: boolean;
  claims: AuthenticatedUser['claims'];
}

/** Crockford's base32 without look-alikes: read off a screen and typed on a phone. */
const codeAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const codeLength = 8;
/** Device tokens start with this, so one pasted in the wrong place is recognised in logs and scrubbers. */
export const deviceTokenPrefix = 'mo_dev_';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Codes are compared case- and dash-insensitively: `abcd-1234` is `ABCD1234`. */
export function normalizeCode(code: string): string {
  return code
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[OIL]/g, (c) => (c === 'O' ? '0' : '1'));
}

function newCode(): string {
  let code = '';
  for (let i = 0; i < codeLength; i += 1) code += codeAlphabet[randomInt(codeAlphabet.length)];
  return code;
}

export function toDevice(row: DeviceRow): Device {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as Device['kind'],
    clipboard: row.clipboard,
    quietMinutes: row.quiet_minutes,
    status: row.revoked_at ? 'revoked' : row.paired ? 'active' : 'pending',
    createdAt: row.created_at,
    pairedAt: row.paired_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
  };
}

export interface DevicesServiceDeps {
  db: Database;
  /** The hub's public address: pairing URLs and the upload address point at it. */
  publicUrl: string;
  /** How long a pairing code lives (default 10 minutes). */
  codeTtlMs?: number;
}

/** Pairing, tokens and the owner's device list (issue 16 §1). */
export function createDevicesService(deps: DevicesServiceDeps) {
  const codeTtlMs = deps.codeTtlMs ?? 10 * 60_000;
  const base = deps.publicUrl.replace(/\/+$/, '');

  async function issueCode(user: AuthenticatedUser, deviceId: string) {
    const code = newCode();
    const expiresAt = new Date(Date.now() + codeTtlMs);
    await deps.db.asUser(user.claims, (tx) =>
      repo.insertPairingCode(tx, { codeHash: sha256(code), ownerId: user.id, deviceId, expiresAt }),
    );
    const shown = `${code.slice(0, 4)}-${code.slice(4)}`;
    return {
      deviceId,
      code: shown,
      expiresAt: expiresAt.toISOString(),
      pairingUrl: `${base}/devices/pair?code=${shown}`,
    };
  }

  return {
    async list(user: AuthenticatedUser): Promise<Device[]> {
      const rows = await deps.db.asUser(user.claims, (tx) => repo.listDevices(tx));
      return rows.map(toDevice);
    },

    async get(user: AuthenticatedUser, id: string): Promise<Device> {
      const row = await deps.db.asUser(user.claims, (tx) => repo.getDevice(tx, id));
      if (!row) throw new NotFoundError('device');
      return toDevice(row);
    },

    /** Makes a pending device and its first one-time code. */
    async create(user: AuthenticatedUser, input: { name: string; kind: Device['kind']; clipboard: boolean }) {
      const row = await deps.db.asUser(user.claims, (tx) =>
        repo.insertDevice(tx, { id: uuidv7(), ownerId: user.id, ...input }),
      );
      return { device: toDevice(row), pairing: await issueCode(user, row.id) };
    },

    /** A fresh code for a device (re-pairing replaces its token when the code is spent). */
    async newCode(user: AuthenticatedUser, id: string) {
      const row = await deps.db.asUser(user.claims, (tx) => repo.getDevice(tx, id));
      if (!row || row.revoked_at) throw new NotFoundError('device');
      return issueCode(user, id);
    },

    async update(
      user: AuthenticatedUser,
      id: string,
      patch: { name?: string; clipboard?: boolean; quietMinutes?: number },
    ) {
      const row = await deps.db.asUser(user.claims, (tx) => repo.updateDevice(tx, id, patch));
      if (!row) throw new NotFoundError('device');
      return toDevice(row);
    },

    async revoke(user: AuthenticatedUser, id: string) {
      const row = await deps.db.asUser(user.claims, (tx) => repo.revokeDevice(tx, id));
      if (!row) throw new NotFoundError('device');
      return toDevice(row);
    },

    /**
     * Spends a one-time code for the device's token. Unknown, used and expired codes are one
     * answer (401), so the endpoint tells a guesser nothing.
     */
    async exchange(code: string) {
      const token = `${deviceTokenPrefix}${randomBytes(32).toString('base64url')}`;
      const spent = await deps.db.asSystem((tx) =>
        repo.redeemPairingCode(tx, sha256(normalizeCode(code)), sha256(token)),
      );
      if (!spent) {
        throw new UnauthorizedError(
          'That pairing code is unknown, used or expired: make a new one on the Devices page.',
          'invalid_code',
        );
      }
      return { deviceId: spent.deviceId, token, eventsUrl: `${base}/device-events` };
    },

    /** The live device of a token, or a 401. Marks it seen (at most every 30 s, to spare writes). */
    async authenticate(token: string, expectedDeviceId?: string): Promise<DevicePrincipal> {
      const invalid = () =>
        new UnauthorizedError(
          'This needs a paired device token (revoked or unknown tokens are refused).',
          'invalid_device_token',
        );
      if (!token.startsWith(deviceTokenPrefix) || token.length > 200) throw invalid();
      const device = await deps.db.asSystem(async (tx) => {
        const found = await repo.deviceByTokenHash(tx, sha256(token));
        if (found && !found.seen_recently) await repo.touchDevice(tx, found.id);
        return found;
      });
      if (!device || (expectedDeviceId !== undefined && device.id !== expectedDeviceId)) throw invalid();
      return {
        deviceId: device.id,
        ownerId: device.owner_id,
        clipboard: device.clipboard,
        claims: { role: 'authenticated', sub: device.owner_id },
      };
    },
  };
}

export type DevicesService = ReturnType<typeof createDevicesService>;

'use client';
import type * as Sdk from '@twilio/voice-sdk';
import type { Call, Device } from '@twilio/voice-sdk';
import type { ActionResult } from '@/lib/hub';
import type { Registration } from './voice-context';

/** A token for one Twilio account (POST /api/v1/calls/token, with the account its `sub` names). */
export interface AccountToken {
  account: string;
  token: string;
  connectionId: string;
}

/** One Twilio account's Device, and the connection whose token it holds (calls go out from its number). */
export interface DeviceEntry {
  account: string;
  device: Device;
  connectionId: string;
}

export interface DeviceEvents {
  /** A fresh token for this connection (on tokenWillExpire). */
  token(connectionId: string): Promise<ActionResult<{ token: string }>>;
  incoming(call: Call): void;
  registration(account: string, registration: Registration): void;
  /** A signalling error that is not a call's own (those arrive on the call). */
  error(account: string, error: unknown, device: Device): void;
}

let sdk: Promise<typeof Sdk> | null = null;
/** @twilio/voice-sdk (ADR 0012) is loaded on first use only: pages without a number never fetch it. */
const loadSdk = () => (sdk ??= import('@twilio/voice-sdk'));

/**
 * The tab's Twilio Devices, one per Twilio account: a Voice SDK token (and so a Device and its
 * registration) belongs to one account, and each account's `<Dial><Client>` rings only its own
 * registrations. The leader registers one per account the person has numbers on; any tab builds
 * one, unregistered, for a call it places from a number.
 */
export function createDevicePool(events: DeviceEvents) {
  const entries = new Map<string, DeviceEntry>();
  const building = new Map<string, Promise<DeviceEntry>>();

  async function build({ account, token, connectionId }: AccountToken): Promise<DeviceEntry> {
    const { Device } = await loadSdk();
    const device = new Device(token, { closeProtection: true, logLevel: 'silent' });
    const entry: DeviceEntry = { account, device, connectionId };
    device.on('tokenWillExpire', async () => {
      const next = await events.token(entry.connectionId);
      if (next.ok && device.state !== 'destroyed') device.updateToken(next.data.token);
    });
    device.on('registering', () => events.registration(account, { state: 'registering' }));
    device.on('registered', () => events.registration(account, { state: 'on' }));
    device.on('unregistered', () => events.registration(account, { state: 'off' }));
    device.on('error', (error: unknown, about?: Call) => {
      if (!about) events.error(account, error, device);
    });
    device.on('incoming', (call: Call) => events.incoming(call));
    return entry;
  }

  return {
    /**
     * The Device of this token's account, built on first use. Another number of the same account
     * swaps its token into the same Device (same identity: the registration stays), except during
     * a call (Twilio advises against it: a second of lost audio).
     */
    async take(token: AccountToken): Promise<DeviceEntry> {
      const current = entries.get(token.account) ?? (await building.get(token.account));
      if (current) {
        if (current.connectionId !== token.connectionId && !current.device.isBusy) {
          current.device.updateToken(token.token);
          current.connectionId = token.connectionId;
        }
        return current;
      }
      const pending = build(token);
      building.set(token.account, pending);
      try {
        const entry = await pending;
        entries.set(token.account, entry);
        return entry;
      } finally {
        building.delete(token.account);
      }
    },

    /** The Device already holding this connection's token (with none named, the only Device there is). */
    find(connectionId: string | undefined): DeviceEntry | undefined {
      if (connectionId === undefined) return entries.size === 1 ? [...entries.values()][0] : undefined;
      return [...entries.values()].find((entry) => entry.connectionId === connectionId);
    },

    /**
     * Stops ringing for every account but `keep`: a Device on a call only unregisters (the call
     * goes on); the others are destroyed with their connection to Twilio.
     */
    quiet(keep: ReadonlySet<string> = new Set()) {
      for (const entry of entries.values()) {
        if (keep.has(entry.account)) continue;
        if (entry.device.isBusy) {
          if (entry.device.state === 'registered') void entry.device.unregister().catch(() => undefined);
        } else {
          entry.device.destroy();
          entries.delete(entry.account);
        }
      }
    },

    /** Throws one Device away (it could not reach Twilio): the next use builds a new one. */
    discard(account: string) {
      entries.get(account)?.device.destroy();
      entries.delete(account);
    },

    destroy() {
      for (const entry of entries.values()) entry.device.destroy();
      entries.clear();
    },
  };
}

export type DevicePool = ReturnType<typeof createDevicePool>;

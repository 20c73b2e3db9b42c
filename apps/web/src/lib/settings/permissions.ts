/**
 * Plugin permissions and capabilities in words a person can weigh before consenting.
 * Permission strings follow packages/plugin-sdk/src/manifest.ts. Pure: unit-tested.
 */
import { providerRegistry } from '@made-open/shared/providers';
import type { CapabilityName, Trigger } from './model';

const ENTITY_NAMES: Record<string, string> = {
  person: 'contacts',
  organization: 'organisations',
  note: 'notes',
  message: 'messages',
  call: 'calls',
  calendar_event: 'calendar events',
  place: 'places',
  file: 'files',
  task: 'tasks',
  '*': 'everything in your graph (contacts, notes, messages, files…)',
};

/** Events people recognise, said as what happens; others are shown by name. */
const EVENT_WORDS: Record<string, string> = {
  'data.EntityCreated': 'something is added to your contacts, notes or other data',
  'data.EntityUpdated': 'something in your data changes',
  'data.EntityDeleted': 'something is deleted from your data',
  'data.*': 'anything in your data changes',
  'comms.*': 'a message or call arrives',
};

export interface PermissionInfo {
  permission: string;
  /** A sentence: what the plugin may do. */
  summary: string;
  /** Reaches outside the hub, changes data or uses a secret: worth a second look. */
  sensitive: boolean;
  /** Why it is sensitive, in two or three words. */
  note?: string;
}

export function describePermission(permission: string): PermissionInfo {
  const [kind, action, ...rest] = permission.split(':');
  const resource = rest.join(':');
  const info = (summary: string, note?: string): PermissionInfo => ({
    permission,
    summary,
    sensitive: note !== undefined,
    ...(note ? { note } : {}),
  });
  switch (kind) {
    case 'entities': {
      const what = ENTITY_NAMES[resource] ?? `${resource} items`;
      // "everything in your graph" already says whose.
      const your = resource === '*' ? '' : 'your ';
      if (action === 'read') return info(`Read ${your}${what}`, resource === '*' ? 'Reads everything' : undefined);
      if (action === 'write') return info(`Create and change ${your}${what}`, 'Changes your data');
      break;
    }
    case 'events':
      if (action === 'subscribe') {
        if (resource === '*') return info('Run on every event in your hub');
        const words = EVENT_WORDS[resource];
        return info(words ? `Run when ${words}` : `Run when ${resource} happens in your hub`);
      }
      if (action === 'emit') return info(`Announce “${resource}” events to your hub`);
      break;
    case 'http':
      if (action === 'fetch')
        return info(
          resource.startsWith('*.')
            ? `Connect to any address under ${resource.slice(2)} on the internet`
            : `Connect to ${resource} on the internet`,
          'Reaches the internet',
        );
      break;
    case 'credentials':
      if (action === 'generic') return info('Use an API key from your wallet, without seeing it', 'Uses a secret');
      return info(
        `Use your ${providerRegistry.get(action ?? '')?.label ?? action} credential, without seeing it`,
        'Uses a secret',
      );
    case 'storage':
      if (action === 'read') return info('Read the data it saved earlier');
      if (action === 'write') return info('Save data of its own in your hub');
      break;
    case 'notify':
      return info('Send you notifications');
    case 'plugins':
      // A rule's grant: the plugin then acts with the permissions it was given, not the rule's.
      if (action === 'run' && resource && resource !== '*')
        return info(`Start your plugin ${resource}, which acts with its own permissions`, 'Runs a plugin');
      break;
  }
  return info(`Unrecognised permission: ${permission}`, 'Unknown');
}

export function describeTrigger(trigger: Trigger): string {
  if (trigger.type === 'manual') return 'When you press Run now';
  if (trigger.type === 'schedule' && 'cron' in trigger)
    return `On a schedule: ${describeCron(String(trigger.cron))} (${String(trigger.cron)})`;
  if (trigger.type === 'event' && 'events' in trigger && Array.isArray(trigger.events))
    return `When ${trigger.events.map((e: string) => EVENT_WORDS[e] ?? `${e} happens`).join(', or when ')}`;
  return trigger.type;
}

/** The common shapes of a five-field cron (UTC) in words; anything else is shown as written. */
export function describeCron(cron: string): string {
  const [min, hour, dom, mon, dow] = cron.trim().split(/\s+/);
  const pad = (v: string | undefined) => (v ?? '0').padStart(2, '0');
  const numeric = (v: string | undefined) => v !== undefined && /^\d+$/.test(v);
  if (numeric(min) && numeric(hour) && dom === '*' && mon === '*' && dow === '*')
    return `every day at ${pad(hour)}:${pad(min)} UTC`;
  if (numeric(min) && hour === '*' && dom === '*' && mon === '*' && dow === '*') return `every hour at minute ${min}`;
  if (min === '*' && hour === '*') return 'every minute';
  return 'custom schedule';
}

export const RUN_OUTCOMES: Record<string, { label: string; tone: 'ok' | 'warn' | 'error' }> = {
  ok: { label: 'Succeeded', tone: 'ok' },
  error: { label: 'Failed', tone: 'error' },
  timeout: { label: 'Took too long', tone: 'error' },
  memory: { label: 'Used too much memory', tone: 'error' },
  killed: { label: 'Stopped', tone: 'error' },
  refused: { label: 'Not allowed', tone: 'warn' },
};

export const TRIGGER_LABELS: Record<string, string> = { manual: 'Run now', schedule: 'Schedule', event: 'Event' };

export interface CapabilityInfo {
  label: string;
  description: string;
}

/** A capability's words, as the provider that declares it says them (packages/shared/src/providers). */
export function capabilityInfo(name: CapabilityName): CapabilityInfo {
  const declared = providerRegistry.capabilities().find((c) => c.name === name);
  return declared ?? { label: name, description: '' };
}

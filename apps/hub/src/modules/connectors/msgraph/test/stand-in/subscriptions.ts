import { randomUUID } from 'node:crypto';
import { folderExists } from './mail.ts';
import type { Route, RouteAnswer } from './server.ts';
import type { StandInState } from './state.ts';

/**
 * STAND-IN Graph change notifications (test support), from Microsoft's documented payloads
 * (api-reference/v1.0/resources/subscription.md, concepts/change-notifications-delivery-webhooks.md,
 * integrations.md §2.3): POST /subscriptions validates the notificationUrl (and the
 * lifecycleNotificationUrl) with the validationToken handshake as Graph does — a POST with
 * `?validationToken=…` that must answer 200 with the token as text/plain within 10 s —
 * then answers 201; PATCH renews; DELETE removes. Tests trigger change and lifecycle
 * notifications with `notifyChange` / `notifyLifecycle`.
 */
export interface StandInSubscription {
  id: string;
  accountId: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | undefined;
  clientState: string | undefined;
  expirationDateTime: string;
}

/** How the stand-in reaches the hub (tests: the hub's inject; a process: fetch). */
export type Deliver = (url: string, body: string, contentType: string) => Promise<{ status: number; text: string }>;

export interface SubscriptionsState {
  subscriptions: Map<string, StandInSubscription>;
  deliver: Deliver;
  /** Observed. */
  counters: { created: number; renewed: number; deleted: number; validations: number };
  /** Every notification delivered, with the hub's answer status. */
  delivered: { url: string; body: unknown; status: number }[];
}

/** Outlook message, event and contact subscriptions: at most 4230 minutes (the stored subscription.md). */
export const maxOutlookMinutes = 4230;
const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';

const fetchDeliver: Deliver = async (url, body, contentType) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text() };
};

const states = new WeakMap<StandInState, SubscriptionsState>();

export function subscriptionsOf(state: StandInState): SubscriptionsState {
  let found = states.get(state);
  if (!found) {
    found = {
      subscriptions: new Map(),
      deliver: fetchDeliver,
      counters: { created: 0, renewed: 0, deleted: 0, validations: 0 },
      delivered: [],
    };
    states.set(state, found);
  }
  return found;
}

const bad = (message: string, code = 'ValidationError'): RouteAnswer => ({
  status: 400,
  json: { error: { code, message } },
});

const view = (s: StandInSubscription) => ({
  '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity',
  id: s.id,
  resource: s.resource,
  applicationId: '24d3b144-21ae-4080-943f-7067b395b913',
  changeType: s.changeType,
  clientState: s.clientState ?? null,
  notificationUrl: s.notificationUrl,
  lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
  expirationDateTime: s.expirationDateTime,
  creatorId: s.accountId,
  latestSupportedTlsVersion: 'v1_2',
  notificationUrlAppId: null,
});

function expiryError(value: unknown): string | undefined {
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(at)) return 'expirationDateTime is required and must be a date.';
  const minutes = (at - Date.now()) / 60_000;
  if (minutes <= 0 || minutes > maxOutlookMinutes)
    return `Subscription expiration can only be 0-${maxOutlookMinutes} minutes in the future.`;
  return undefined;
}

async function validates(subs: SubscriptionsState, url: string): Promise<boolean> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  subs.counters.validations += 1;
  try {
    const started = Date.now();
    const answer = await subs.deliver(
      `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`,
      '',
      'text/plain; charset=utf-8',
    );
    return answer.status === 200 && answer.text === token && Date.now() - started < 10_000;
  } catch {
    return false;
  }
}

export function subscriptionRoutes(state: StandInState): Route[] {
  const subs = subscriptionsOf(state);
  return [
    {
      method: 'POST',
      pattern: /^\/subscriptions$/,
      handle: async ({ json, account }) => {
        const body = (json ?? {}) as Record<string, unknown>;
        const { changeType, notificationUrl, lifecycleNotificationUrl, resource, clientState } = body;
        if (
          typeof changeType !== 'string' ||
          !/^(created|updated|deleted)(,(created|updated|deleted))*$/.test(changeType)
        )
          return bad('changeType must be created, updated and/or deleted.');
        if (typeof resource !== 'string' || resource.length === 0) return bad('resource is required.');
        // A mail folder the mailbox does not have (a bad id, a personal account's Archive): 404, as Graph answers.
        const folder = /^\/?me\/mailFolders\('([^']+)'\)\/messages$/.exec(resource)?.[1];
        if (folder !== undefined && !folderExists(account, folder))
          return {
            status: 404,
            json: { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } },
          };
        if (typeof notificationUrl !== 'string' || !notificationUrl.startsWith('https://'))
          return bad('The notification URL must be an https URL.', 'InvalidRequest');
        if (
          lifecycleNotificationUrl !== undefined &&
          (typeof lifecycleNotificationUrl !== 'string' || !lifecycleNotificationUrl.startsWith('https://'))
        )
          return bad('The lifecycle notification URL must be an https URL.', 'InvalidRequest');
        if (clientState !== undefined && (typeof clientState !== 'string' || clientState.length > 128))
          return bad('clientState must be at most 128 characters.');
        const expiry = expiryError(body.expirationDateTime);
        if (expiry) return bad(expiry);
        for (const url of [notificationUrl, lifecycleNotificationUrl])
          if (typeof url === 'string' && !(await validates(subs, url)))
            return bad(
              'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
              'InvalidRequest',
            );
        const created: StandInSubscription = {
          id: randomUUID(),
          accountId: account.id,
          resource,
          changeType,
          notificationUrl,
          lifecycleNotificationUrl: lifecycleNotificationUrl as string | undefined,
          clientState: clientState as string | undefined,
          expirationDateTime: new Date(Date.parse(body.expirationDateTime as string)).toISOString(),
        };
        subs.subscriptions.set(created.id, created);
        subs.counters.created += 1;
        return { status: 201, json: view(created) };
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/subscriptions\/([^/]+)$/,
      handle: ({ match, json, account }) => {
        const found = subs.subscriptions.get(decodeURIComponent(match[1]!));
        if (!found || found.accountId !== account.id)
          return { status: 404, json: { error: { code: 'ResourceNotFound', message: 'The object was not found.' } } };
        const expiry = expiryError((json as { expirationDateTime?: unknown } | undefined)?.expirationDateTime);
        if (expiry) return bad(expiry);
        found.expirationDateTime = new Date(
          Date.parse((json as { expirationDateTime: string }).expirationDateTime),
        ).toISOString();
        subs.counters.renewed += 1;
        return { status: 200, json: view(found) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/subscriptions\/([^/]+)$/,
      handle: ({ match, account }) => {
        const id = decodeURIComponent(match[1]!);
        const found = subs.subscriptions.get(id);
        if (!found || found.accountId !== account.id)
          return { status: 404, json: { error: { code: 'ResourceNotFound', message: 'The object was not found.' } } };
        subs.subscriptions.delete(id);
        subs.counters.deleted += 1;
        return { status: 204 };
      },
    },
  ];
}

async function post(subs: SubscriptionsState, url: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const answer = await subs.deliver(url, body, 'application/json; charset=utf-8');
  subs.delivered.push({ url, body: payload, status: answer.status });
  return answer.status;
}

/** Graph tells the subscriber an item changed (the rich-less default: resourceData only names it). */
export function notifyChange(
  state: StandInState,
  subscriptionId: string,
  change: { changeType?: string; itemId?: string; clientState?: string } = {},
) {
  const subs = subscriptionsOf(state);
  const s = subs.subscriptions.get(subscriptionId);
  if (!s) throw new Error(`stand-in: no subscription ${subscriptionId}`);
  const id = change.itemId ?? randomUUID();
  return post(subs, s.notificationUrl, {
    value: [
      {
        subscriptionId: s.id,
        subscriptionExpirationDateTime: s.expirationDateTime,
        changeType: change.changeType ?? 'updated',
        resource: `Users/${s.accountId}/Messages/${id}`,
        resourceData: {
          '@odata.type': '#Microsoft.Graph.Message',
          '@odata.id': `Users/${s.accountId}/Messages/${id}`,
          '@odata.etag': 'W/"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf"',
          id,
        },
        clientState: 'clientState' in change ? change.clientState : s.clientState,
        tenantId,
      },
    ],
  });
}

/**
 * A lifecycle notification. `subscriptionRemoved` also forgets the subscription here, as
 * Graph does when it removes one.
 */
export function notifyLifecycle(
  state: StandInState,
  subscriptionId: string,
  lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed',
  options: { clientState?: string } = {},
) {
  const subs = subscriptionsOf(state);
  const s = subs.subscriptions.get(subscriptionId);
  if (!s?.lifecycleNotificationUrl) throw new Error(`stand-in: no subscription ${subscriptionId} with lifecycle URL`);
  if (lifecycleEvent === 'subscriptionRemoved') subs.subscriptions.delete(subscriptionId);
  return post(subs, s.lifecycleNotificationUrl, {
    value: [
      {
        subscriptionId: s.id,
        subscriptionExpirationDateTime: s.expirationDateTime,
        tenantId,
        clientState: 'clientState' in options ? options.clientState : s.clientState,
        lifecycleEvent,
      },
    ],
  });
}

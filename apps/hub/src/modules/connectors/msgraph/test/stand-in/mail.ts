import { deltaPage } from './delta.ts';
import type { Route } from './server.ts';
import { collectionOf, type StandInState } from './state.ts';

const wellKnown = new Set(['inbox', 'sentitems', 'archive', 'drafts', 'deleteditems', 'junkemail']);

/**
 * STAND-IN mail: GET /me/mailFolders/{folder}/messages/delta (paging, @removed, 410,
 * syncStateNotFound) and GET /me/messages/{id}/attachments (metadata). A folder that is
 * neither well-known nor has messages answers 404 ErrorItemNotFound.
 */
export function mailRoutes(state: StandInState): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/me\/mailFolders\/([^/]+)\/messages\/delta$/,
      handle: (context) => {
        const folder = decodeURIComponent(context.match[1]!).toLowerCase();
        if (!wellKnown.has(folder) && !context.account.collections.has(`mail:${folder}`))
          return {
            status: 404,
            json: { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } },
          };
        return deltaPage(state, context, `mail:${folder}`, {
          path: `/me/mailFolders/${context.match[1]}/messages/delta`,
          project: ({ attachments: _attachments, ...message }) => message,
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/me\/messages\/([^/]+)\/attachments$/,
      handle: ({ account, match }) => {
        const id = decodeURIComponent(match[1]!);
        for (const [resource, collection] of account.collections) {
          if (!resource.startsWith('mail:')) continue;
          const item = collection.items.get(id);
          if (item && !item.removed)
            return { status: 200, json: { value: (item.body.attachments as unknown[] | undefined) ?? [] } };
        }
        void collectionOf;
        return { status: 404, json: { error: { code: 'ErrorItemNotFound', message: 'Not found.' } } };
      },
    },
  ];
}

import { deltaPage } from './delta.ts';
import { locate } from './mail-write.ts';
import type { Route } from './server.ts';
import { collectionOf, liveCount, type StandInAccount, type StandInState } from './state.ts';

const wellKnown = new Set(['inbox', 'sentitems', 'archive', 'drafts', 'deleteditems', 'junkemail']);

/**
 * A folder as the stand-in keys it (`mail:<key>`): Graph takes well-known folder names in any
 * case, but a folder id is case-sensitive (it is a base64 string), so an id stays as given.
 */
export function folderKey(folder: string): string {
  return wellKnown.has(folder.toLowerCase()) ? folder.toLowerCase() : folder;
}

/**
 * STAND-IN mail: GET /me/mailFolders/{folder}/messages/delta (paging, @removed, 410,
 * syncStateNotFound), GET /me/messages/{id} (any folder; `$select` honoured; 404
 * ErrorItemNotFound once deleted) and GET /me/messages/{id}/attachments (metadata). A folder that is
 * neither well-known nor has messages answers 404 ErrorItemNotFound.
 */
/** Graph knows the folder: a well-known name, or a folder that has messages here. */
export function folderExists(account: StandInAccount, folder: string): boolean {
  const key = folderKey(folder);
  return wellKnown.has(key) || account.collections.has(`mail:${key}`);
}

export function mailRoutes(state: StandInState): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/me\/mailFolders\/([^/]+)\/messages\/delta$/,
      handle: (context) => {
        // Well-known names in any case; a folder id exactly as Graph gave it (case-sensitive).
        const folder = folderKey(decodeURIComponent(context.match[1]!));
        if (!folderExists(context.account, folder))
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
      // A folder by well-known name or id: its id (here the folder key, as messages' parentFolderId).
      method: 'GET',
      pattern: /^\/me\/mailFolders\/([^/]+)$/,
      handle: ({ account, match }) => {
        const folder = folderKey(decodeURIComponent(match[1]!));
        if (!folderExists(account, folder))
          return {
            status: 404,
            json: { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } },
          };
        return { status: 200, json: { id: folder, totalItemCount: liveCount(account, `mail:${folder}`) } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/me\/messages\/([^/]+)$/,
      handle: ({ account, match, url }) => {
        const found = locate(account, decodeURIComponent(match[1]!));
        if (!found)
          return {
            status: 404,
            json: { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } },
          };
        const { attachments: _attachments, ...message } = found.body;
        const select = url.searchParams.get('$select');
        if (!select) return { status: 200, json: message };
        const fields = new Set(['id', ...select.split(',').map((f) => f.trim())]);
        return { status: 200, json: Object.fromEntries(Object.entries(message).filter(([k]) => fields.has(k))) };
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

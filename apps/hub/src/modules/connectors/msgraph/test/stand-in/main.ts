import { startMsgraphStandIn } from './server.ts';
import { addAccount, put } from './state.ts';
import { contactPayload, generateAccount } from './generator.ts';
import { setPresence } from './presence.ts';

/**
 * The STAND-IN as a process (web e2e, benchmark): `node main.ts` prints one JSON line
 * `{loginUrl, graphUrl, clientId, account}` once listening. MSGRAPH_STANDIN_PORT picks the
 * port; MSGRAPH_STANDIN_REDIRECT the registered redirect URI; MSGRAPH_STANDIN_SIZE
 * "messages,events,contacts" fills the mailbox, plus a colleague (grace@contoso.example, in a
 * meeting) in its contacts. Control for e2e: /_stand-in/* (control.ts).
 */
const standIn = await startMsgraphStandIn({ port: Number(process.env.MSGRAPH_STANDIN_PORT ?? 0) });
const clientId = process.env.MSGRAPH_STANDIN_CLIENT_ID ?? '11111111-2222-4333-8444-555555555555';
standIn.state.apps.set(clientId, {
  clientId,
  clientSecret: process.env.MSGRAPH_STANDIN_CLIENT_SECRET || undefined,
  redirectUris: [process.env.MSGRAPH_STANDIN_REDIRECT ?? 'http://127.0.0.1:4000/oauth/microsoft/callback'],
});
const account = addAccount(standIn.state, {
  id: '6f1c2a8e-4b7d-4c61-9a0e-5d2b8c7f6e10',
  mail: 'ada@contoso.example',
  displayName: 'Ada Lovelace',
});
const [messages = 30, events = 10, contacts = 10] = (process.env.MSGRAPH_STANDIN_SIZE ?? '')
  .split(',')
  .filter(Boolean)
  .map(Number);
generateAccount(account, { messages, events, contacts });
// A colleague in the same tenant, in the address book, in a meeting (Teams presence, work accounts).
const colleague = addAccount(standIn.state, {
  id: '0b7e4d3c-2a19-4f58-8c6d-3e2f1a0b9c87',
  mail: 'grace@contoso.example',
  displayName: 'Grace Hopper',
});
put(
  account,
  'contacts',
  contactPayload(9_001, {
    displayName: 'Grace Hopper',
    givenName: 'Grace',
    surname: 'Hopper',
    emailAddresses: [{ name: 'Grace Hopper', address: colleague.mail }],
    mobilePhone: null,
    companyName: null,
  }),
);
setPresence(standIn.state, colleague.id, 'Busy', 'InAMeeting');
setPresence(standIn.state, account.id, 'Available', 'Available');
standIn.state.signInAs = account.id;
process.stdout.write(
  `${JSON.stringify({ loginUrl: standIn.loginUrl, graphUrl: standIn.graphUrl, clientId, account: account.mail })}\n`,
);
const stop = () => void standIn.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

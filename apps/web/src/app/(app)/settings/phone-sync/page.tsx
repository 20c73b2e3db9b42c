import type { Metadata } from 'next';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { AddAppPassword } from '@/components/settings/phone-sync/add-app-password';
import { RevokeAppPassword } from '@/components/settings/phone-sync/revoke-app-password';
import { LocalTime } from '@/components/ui/local-time';
import { davSetup, listAppPasswords, type DavSetup } from '@/lib/dav';
import { load } from '@/lib/hub';

export const metadata: Metadata = { title: 'Phone sync' };

function Instructions({ setup }: { setup: DavSetup }) {
  return (
    <div className="grid gap-4 md:grid-cols-2">
      <section
        aria-labelledby="ios-heading"
        className="grid content-start gap-2 rounded-lg border border-border p-4 text-sm"
      >
        <h3 id="ios-heading" className="font-semibold">
          iPhone and iPad
        </h3>
        <ol className="list-decimal space-y-1 pl-5">
          <li>Settings → Apps → Contacts → Contacts Accounts → Add Account → Other.</li>
          <li>
            Add CardDAV Account. Server: <code className="break-all">{setup.serverUrl}</code>
          </li>
          <li>User name: your email; password: an app password from below.</li>
          <li>
            For the calendar: Apps → Calendar → Calendar Accounts → Add Account → Other → Add CalDAV Account, same
            three.
          </li>
        </ol>
      </section>
      <section
        aria-labelledby="android-heading"
        className="grid content-start gap-2 rounded-lg border border-border p-4 text-sm"
      >
        <h3 id="android-heading" className="font-semibold">
          Android (DAVx⁵)
        </h3>
        <ol className="list-decimal space-y-1 pl-5">
          <li>Install DAVx⁵, tap +, choose “Login with URL and user name”.</li>
          <li>
            Base URL: <code className="break-all">{setup.serverUrl}</code>
          </li>
          <li>User name: your email; password: an app password from below.</li>
          <li>Tick “Made Open contacts” and “Made Open calendar” to sync them.</li>
        </ol>
      </section>
    </div>
  );
}

export default async function PhoneSyncPage() {
  const [setup, passwords] = await Promise.all([load(davSetup), load(listAppPasswords)]);
  return (
    <>
      <PageHeader
        title="Phone sync"
        description="Your phone’s own Contacts and Calendar apps can show and edit your people and events here, over CardDAV and CalDAV. Each phone signs in with your email and an app password of its own."
      />
      <div className="grid gap-10 [&>*]:min-w-0">
        <section aria-labelledby="address-heading" className="grid gap-3">
          <h2 id="address-heading" className="text-lg font-semibold">
            Server address
          </h2>
          {setup.ok ? (
            <>
              <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
                <dt className="text-muted-foreground">Server</dt>
                <dd>
                  <code className="break-all">{setup.data.serverUrl}</code>
                </dd>
                <dt className="text-muted-foreground">User name</dt>
                <dd>
                  <code className="break-all">{setup.data.username}</code>
                </dd>
              </dl>
              <Instructions setup={setup.data} />
            </>
          ) : (
            <Problem message={setup.error} />
          )}
        </section>
        <section aria-labelledby="passwords-heading" className="grid gap-3">
          <h2 id="passwords-heading" className="text-lg font-semibold">
            App passwords
          </h2>
          <AddAppPassword username={setup.ok ? setup.data.username : ''} />
          {!passwords.ok ? (
            <Problem message={passwords.error} />
          ) : passwords.data.length === 0 ? (
            <p className="text-sm text-muted-foreground">No app passwords yet: make one for each phone.</p>
          ) : (
            <ul className="grid gap-3" aria-label="App passwords">
              {passwords.data.map((p) => (
                <li key={p.id} aria-label={p.name} className="grid gap-2 rounded-lg border border-border p-4">
                  <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                    <h3 className="font-semibold">{p.name}</h3>
                    <span className="rounded bg-muted px-1.5 py-0.5 text-xs">{p.status}</span>
                    <span className="text-sm text-muted-foreground">
                      ends in <code>{p.hint}</code>, made <LocalTime iso={p.createdAt} />, last used{' '}
                      <LocalTime iso={p.lastUsedAt} fallback="never" />
                    </span>
                  </div>
                  {p.status === 'active' && <RevokeAppPassword id={p.id} name={p.name} />}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}

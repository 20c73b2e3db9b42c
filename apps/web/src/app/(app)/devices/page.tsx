import type { Metadata } from 'next';
import Link from 'next/link';
import { AddDevice } from '@/components/devices/add-device';
import { DeviceActions } from '@/components/devices/device-actions';
import { RetentionTable } from '@/components/devices/retention-table';
import { PageHeader } from '@/components/page-header';
import { DEVICES_HEADER } from '@/components/page-headers';
import { Problem } from '@/components/problem';
import { LocalTime } from '@/components/ui/local-time';
import { listDevicesWithHealth, listSources, type DeviceHealth } from '@/lib/devices';
import { load } from '@/lib/hub';

export const metadata: Metadata = { title: 'Devices' };

const causeLabel: Record<string, string> = {
  no_fix: 'no location fix',
  battery_low: 'battery ran low',
  app_stopped: 'app stopped or device off',
  uploaded_late: 'offline, uploaded late',
};

function Health({ health }: { health: DeviceHealth }) {
  return (
    <div className="grid gap-2 text-sm">
      {health.quiet && (
        <p role="note" className="rounded-md border border-destructive/40 bg-destructive/10 p-2">
          Quiet: nothing uploaded for a while. Check the app still runs and is not restricted by battery optimisation.
        </p>
      )}
      {health.types.length === 0 ? (
        <p className="text-muted-foreground">No events yet.</p>
      ) : (
        <ul aria-label="Last event per type" className="grid gap-1">
          {health.types.map((t) => (
            <li key={t.type} className="flex flex-wrap gap-x-2">
              <span className="font-medium">{t.type.replace('_', ' ')}</span>
              <span className="text-muted-foreground">
                {t.events.toLocaleString()} event{t.events === 1 ? '' : 's'}, last <LocalTime iso={t.lastEventAt} />
                {t.uploadLagMs !== null && t.uploadLagMs > 60_000 && (
                  <>, uploaded {Math.round(t.uploadLagMs / 60_000)} min late</>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      {health.gaps.length > 0 && (
        <details>
          <summary className="cursor-pointer">
            {health.gaps.length} gap{health.gaps.length === 1 ? '' : 's'} in the last day
          </summary>
          <ul className="mt-1 grid gap-1">
            {health.gaps.map((g) => (
              <li key={`${g.type}-${g.from}`}>
                {g.type}: {g.minutes} min from <LocalTime iso={g.from} /> — {causeLabel[g.cause]}.{' '}
                <span className="text-muted-foreground">{g.explanation}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

export default async function DevicesPage() {
  const [devices, sources] = await Promise.all([load(listDevicesWithHealth), load(listSources)]);
  return (
    <>
      <PageHeader
        {...DEVICES_HEADER}
        actions={
          <Link
            href="/devices/day/today"
            className="inline-flex h-9 items-center rounded-md border border-input px-3 text-sm font-medium hover:bg-accent"
          >
            Day view: places and apps
          </Link>
        }
      />
      <div className="grid gap-10 [&>*]:min-w-0">
        <section aria-labelledby="add-heading" className="grid gap-3">
          <h2 id="add-heading" className="text-lg font-semibold">
            Pair a device
          </h2>
          <AddDevice />
        </section>
        <section aria-labelledby="devices-heading" className="grid gap-3">
          <h2 id="devices-heading" className="text-lg font-semibold">
            Your devices
          </h2>
          {!devices.ok ? (
            <Problem message={devices.error} />
          ) : devices.data.length === 0 ? (
            <p className="text-sm text-muted-foreground">No devices yet: pair one above.</p>
          ) : (
            <ul className="grid gap-4" aria-label="Devices">
              {devices.data.map(({ device, health }) => (
                <li key={device.id} className="grid gap-3 rounded-lg border border-border p-4" aria-label={device.name}>
                  <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                    <h3 className="font-semibold">{device.name}</h3>
                    <span className="rounded bg-muted px-1.5 py-0.5 text-xs">{device.status}</span>
                    <span className="text-sm text-muted-foreground">
                      {device.kind}, last seen <LocalTime iso={device.lastSeenAt} fallback="never" />
                    </span>
                  </div>
                  {health && <Health health={health} />}
                  <DeviceActions id={device.id} name={device.name} revoked={device.status === 'revoked'} />
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="retention-heading" className="grid gap-3">
          <h2 id="retention-heading" className="text-lg font-semibold">
            Storage and retention
          </h2>
          {sources.ok ? <RetentionTable sources={sources.data} /> : <Problem message={sources.error} />}
        </section>
      </div>
    </>
  );
}

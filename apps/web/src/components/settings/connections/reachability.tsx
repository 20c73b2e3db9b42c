import { CircleCheck, TriangleAlert } from 'lucide-react';
import { webhookLabel, type PublicUrl } from '@/lib/connections/model';

/**
 * Whether Twilio can call the hub (PUBLIC_URL), and when it cannot, what to do: only a
 * PUBLIC_URL Twilio reaches works, since Twilio signs each request with the URL it calls and
 * the hub checks it against PUBLIC_URL. The URLs are shown for the Twilio Console.
 */
export function Reachability({ publicUrl, webhooks }: { publicUrl: PublicUrl; webhooks: Record<string, string> }) {
  if (publicUrl.reachable)
    return (
      <p className="flex items-start gap-2 text-sm">
        <CircleCheck className="mt-0.5 size-4 shrink-0 text-primary" aria-hidden="true" />
        <span>
          Twilio will reach your hub at <code className="break-all">{publicUrl.url}</code>.
        </span>
      </p>
    );
  return (
    <div role="note" className="grid gap-2 rounded-md border border-amber-500/60 bg-amber-500/10 p-3 text-sm">
      <p className="flex items-start gap-2 font-medium">
        <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
        Twilio cannot reach your hub.
      </p>
      <p>{publicUrl.reason ?? 'PUBLIC_URL is not a public address.'}</p>
      <p>
        Texts and calls will not arrive until it can. After the restart, connect again: the hub points the number at its
        new address. Twilio signs every request with the address it calls, so URLs set in the Twilio Console by hand
        work only when they start with <code>PUBLIC_URL</code>. The hub uses these:
      </p>
      <dl className="grid gap-1">
        {Object.entries(webhooks).map(([name, url]) => (
          <div key={name} className="grid gap-0.5">
            <dt className="text-xs text-muted-foreground">{webhookLabel[name] ?? name}</dt>
            <dd>
              <code className="break-all">{url}</code>
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

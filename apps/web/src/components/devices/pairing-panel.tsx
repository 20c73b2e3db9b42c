'use client';
import { LocalTime } from '@/components/ui/local-time';
import type { Pairing } from '@/lib/devices';

/** A one-time code, its QR code and pairing URL: shown once, right after it was made. */
export function PairingPanel({ pairing, name }: { pairing: Pairing; name: string }) {
  return (
    <section
      aria-label={`Pairing code for ${name}`}
      className="grid gap-4 rounded-lg border border-border bg-muted/40 p-4 sm:grid-cols-[auto_1fr]"
    >
      <figure
        role="img"
        aria-label={`QR code of the pairing link for ${name}`}
        className="w-40 rounded-md bg-white p-1 [&_svg]:h-auto [&_svg]:w-full"
        // The SVG is drawn by the qrcode library on the server from the hub's own URL.
        dangerouslySetInnerHTML={{ __html: pairing.qrSvg }}
      />
      <div className="grid content-start gap-2 text-sm">
        <p>
          Pairing code: <strong className="font-mono text-2xl tracking-widest">{pairing.code}</strong>
        </p>
        <p className="text-muted-foreground">
          Type it into the device (<code>made-open-agent pair {pairing.code}</code>), or scan the QR code. It works
          once, until <LocalTime iso={pairing.expiresAt} options={{ dateStyle: undefined, timeStyle: 'short' }} />.
        </p>
        <p className="break-all text-muted-foreground">
          Link: <code>{pairing.pairingUrl}</code>
        </p>
      </div>
    </section>
  );
}

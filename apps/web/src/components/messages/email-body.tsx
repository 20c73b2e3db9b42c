'use client';
import { ImageIcon } from 'lucide-react';
import { useMemo, useState } from 'react';
import { Button } from '@/components/ui/button';

/**
 * The hub keeps remote images in data-src (nothing phones home when a message is opened);
 * "Show images" puts them back. The frame's own CSP allows images only after that.
 */
const csp = (images: boolean) =>
  `default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:${images ? ' https: http:' : ''}; font-src data:`;

function documentOf(html: string, images: boolean) {
  const body = images ? html.replace(/\sdata-src=/g, ' src=') : html;
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp(images)}"><base target="_blank"><style>body{margin:0;padding:12px;font:14px/1.5 system-ui,sans-serif;color:#111;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}table{max-width:100%}</style></head><body>${body}</body></html>`;
}

/**
 * An email's HTML (already sanitised by the hub) in a sandboxed frame: no scripts, no forms,
 * no same-origin access (the sandbox has no allow-scripts or allow-same-origin), links open in
 * a new tab. The frame grows to its content once loaded.
 */
export function EmailBody({ html, title }: { html: string; title: string }) {
  const [images, setImages] = useState(false);
  const [height, setHeight] = useState(240);
  const hasRemote = /\sdata-src=/.test(html);
  const srcDoc = useMemo(() => documentOf(html, images), [html, images]);
  return (
    <div className="grid gap-2">
      {hasRemote && !images && (
        <p className="flex flex-wrap items-center gap-2 rounded-md bg-muted px-3 py-2 text-xs text-muted-foreground">
          Remote images are hidden, so the sender cannot tell you opened this.
          <Button type="button" variant="outline" size="sm" onClick={() => setImages(true)}>
            <ImageIcon aria-hidden="true" /> Show images
          </Button>
        </p>
      )}
      <iframe
        title={title}
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        srcDoc={srcDoc}
        className="w-full rounded-md border border-border bg-white"
        style={{ height }}
        onLoad={(event) => {
          // Sandboxed without allow-same-origin: the document cannot be measured, so estimate from the HTML.
          const frame = event.currentTarget;
          try {
            const measured = frame.contentDocument?.documentElement.scrollHeight;
            if (measured) return setHeight(Math.min(Math.max(measured + 8, 120), 2000));
          } catch {
            // cross-origin, as intended
          }
          setHeight(Math.min(Math.max(120, Math.ceil(html.length / 6)), 900));
        }}
      />
    </div>
  );
}

import { ImageIcon } from 'lucide-react';
import { LocalTime } from '@/components/ui/local-time';
import type { ShownMessage } from '@/lib/messages/model';
import { cn } from '@/lib/utils';
import { DeliveryTick } from './delivery-tick';

/** One text: yours on the right, theirs on the left; MMS media inline (click opens the full size). */
export function MessageBubble({ message }: { message: ShownMessage }) {
  const mine = message.direction === 'outbound';
  return (
    <li className={cn('flex', mine ? 'justify-end' : 'justify-start')} data-message-id={message.id}>
      <div className={cn('grid max-w-[85%] gap-1 sm:max-w-[70%]', mine ? 'justify-items-end' : 'justify-items-start')}>
        {message.mediaUrls.length > 0 && (
          <ul className="flex flex-wrap gap-1.5" aria-label="Attachments">
            {message.mediaUrls.map((item, index) => (
              <li key={index}>
                {item.url && item.contentType.startsWith('image/') ? (
                  <a
                    href={item.url}
                    target="_blank"
                    rel="noreferrer"
                    className="block overflow-hidden rounded-lg border border-border outline-none focus-visible:ring-2 focus-visible:ring-ring"
                  >
                    {/* Signed Storage URLs on the hub: a plain img (next/image would need the hub's host configured). */}
                    <img
                      src={item.url}
                      alt={`Photo ${index + 1} (open full size)`}
                      className="size-32 object-cover"
                      loading="lazy"
                    />
                  </a>
                ) : item.url ? (
                  <a href={item.url} target="_blank" rel="noreferrer" className="text-sm text-primary underline">
                    Attachment {index + 1} ({item.contentType})
                  </a>
                ) : (
                  <span className="flex size-32 items-center justify-center gap-1 rounded-lg border border-dashed border-border text-xs text-muted-foreground">
                    <ImageIcon className="size-4" aria-hidden="true" /> Loading…
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
        {message.body && (
          <p
            className={cn(
              'rounded-2xl px-3.5 py-2 text-sm break-words whitespace-pre-wrap',
              mine ? 'rounded-br-sm bg-primary text-primary-foreground' : 'rounded-bl-sm bg-muted',
            )}
          >
            {message.body}
          </p>
        )}
        <p className="flex items-center gap-2 text-xs text-muted-foreground">
          <LocalTime iso={message.at} options={{ dateStyle: 'medium', timeStyle: 'short' }} />
          {mine && <DeliveryTick status={message.status} />}
        </p>
        {mine && message.error && (
          <p role="note" className="max-w-prose rounded-md border border-destructive/40 p-2 text-xs text-destructive">
            {message.error.message}
            {message.error.code !== null && <> (Twilio error {message.error.code})</>}
          </p>
        )}
      </div>
    </li>
  );
}

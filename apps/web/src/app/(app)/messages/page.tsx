import { MessagesSquare } from 'lucide-react';
import type { Metadata } from 'next';

export const metadata: Metadata = { title: 'Messages' };

/** Wide screens: the pane beside the list until a conversation is chosen (phones show only the list). */
export default function MessagesPage() {
  return (
    <div className="grid min-h-64 place-items-center rounded-lg border border-dashed border-border p-6 text-center text-sm text-muted-foreground">
      <p className="grid justify-items-center gap-2">
        <MessagesSquare className="size-8" aria-hidden="true" />
        Choose a conversation, or start a new message.
      </p>
    </div>
  );
}

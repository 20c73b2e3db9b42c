/** What a save said: a quiet status when it worked, an alert when it did not. */
export type SaveOutcome = { tone: 'ok' | 'error'; text: string };

export function SaveMessage({ message, as: Tag = 'p' }: { message: SaveOutcome | undefined; as?: 'p' | 'span' }) {
  if (!message) return null;
  return (
    <Tag
      role={message.tone === 'error' ? 'alert' : 'status'}
      className={message.tone === 'error' ? 'text-sm text-destructive' : 'text-sm text-muted-foreground'}
    >
      {message.text}
    </Tag>
  );
}

import { LocalTime } from '@/components/ui/local-time';
import { redactedWords } from '@/lib/ai';
import type { EgressEntry } from '@/lib/ai-api';

const outcomeWords: Record<string, string> = {
  ok: 'Answered',
  sent: 'Sent',
  error: 'Failed',
  cancelled: 'Stopped',
};

/** The egress audit: one row per cloud request, never its content. */
export function EgressAudit({ entries }: { entries: EgressEntry[] }) {
  if (entries.length === 0)
    return <p className="text-sm text-muted-foreground">Nothing has been sent to a cloud model yet.</p>;
  return (
    <div
      className="overflow-x-auto rounded-lg border border-border"
      tabIndex={0}
      role="region"
      aria-label="Requests sent to cloud models"
    >
      <table className="w-full text-sm">
        <caption className="sr-only">Requests sent to cloud models, newest first</caption>
        <thead className="bg-muted/50 text-left text-xs text-muted-foreground">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              When
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Model
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Items
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Size
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Replaced before sending
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Outcome
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} className="border-t border-border">
              <td className="px-3 py-2 whitespace-nowrap">
                <LocalTime iso={e.at} options={{ dateStyle: 'medium', timeStyle: 'short' }} />
              </td>
              <td className="px-3 py-2">{e.model}</td>
              <td className="px-3 py-2">{e.entityIds.length}</td>
              <td className="px-3 py-2 whitespace-nowrap">{(e.bytes / 1024).toFixed(1)} KB</td>
              <td className="px-3 py-2">{redactedWords(e.redactions) || 'Nothing'}</td>
              <td className="px-3 py-2">
                {outcomeWords[e.outcome] ?? e.outcome}
                {e.errorKind && e.outcome === 'error' ? ` (${e.errorKind.replace('_', ' ')})` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

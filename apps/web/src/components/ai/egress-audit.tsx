import { DataTable } from '@/components/ui/data-table';
import { LocalTime } from '@/components/ui/local-time';
import { redactedWords } from '@/lib/ai';
import type { EgressEntry } from '@/lib/ai-api';

const outcomeWords: Record<string, string> = {
  ok: 'Answered',
  sent: 'Sent',
  error: 'Failed',
  cancelled: 'Stopped',
};

const EGRESS_COLUMNS = ['When', 'Model', 'Items', 'Size', 'Replaced before sending', 'Outcome'].map((label) => ({
  label,
}));

/** The egress audit: one row per cloud request, never its content. */
export function EgressAudit({ entries }: { entries: EgressEntry[] }) {
  if (entries.length === 0)
    return <p className="text-sm text-muted-foreground">Nothing has been sent to a cloud model yet.</p>;
  return (
    <DataTable
      label="Requests sent to cloud models"
      caption="Requests sent to cloud models, newest first"
      columns={EGRESS_COLUMNS}
    >
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
    </DataTable>
  );
}

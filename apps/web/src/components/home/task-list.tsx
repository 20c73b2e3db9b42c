'use client';
import type { TodayTask } from '@made-open/shared/timeline';
import { Check, Loader2 } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { LocalTime } from '@/components/ui/local-time';
import { useToast } from '@/components/ui/toast';
import { completeTaskAction } from '@/lib/actions/timeline';

/** Open tasks and stay-in-touch reminders, each completed in place (gone at once, back if the hub refuses). */
export function TaskList({ tasks }: { tasks: TodayTask[] }) {
  const [done, setDone] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState<string | null>(null);
  const toast = useToast();
  const visible = tasks.filter((t) => !done.has(t.id));

  async function complete(task: TodayTask) {
    setBusy(task.id);
    const result = await completeTaskAction(task.id, task.version);
    setBusy(null);
    if (!result.ok) {
      toast({ title: 'Not completed', description: result.error, tone: 'error' });
      return;
    }
    setDone((previous) => new Set([...previous, task.id]));
    toast({ title: `Done: ${task.title}` });
  }

  if (visible.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">
        Nothing to do. Set &ldquo;Stay in touch&rdquo; on a contact&rsquo;s page, and a reminder appears here when it is
        time to get in touch again.
      </p>
    );
  }
  const now = Date.now();
  return (
    <ul className="grid gap-2" aria-label="Tasks">
      {visible.map((task) => {
        const overdue = task.dueAt !== null && Date.parse(task.dueAt) < now;
        return (
          <li key={task.id} className="flex items-start justify-between gap-3 rounded-md border border-border p-3">
            <div className="min-w-0 text-sm">
              <p className="font-medium">
                {task.person ? (
                  <>
                    {task.title.replace(task.person.name, '').trim() || task.title}{' '}
                    <Link href={`/contacts/${task.person.id}`} className="text-primary underline underline-offset-4">
                      {task.person.name}
                    </Link>
                  </>
                ) : (
                  task.title
                )}
              </p>
              {task.dueAt && (
                <p className="text-xs text-muted-foreground">
                  {overdue ? 'Due since ' : 'Due '}
                  <LocalTime iso={task.dueAt} options={{ dateStyle: 'medium', timeStyle: undefined }} />
                </p>
              )}
            </div>
            <Button
              variant="outline"
              size="sm"
              onClick={() => complete(task)}
              disabled={busy === task.id}
              aria-label={`Mark done: ${task.title}`}
            >
              {busy === task.id ? (
                <Loader2 className="animate-spin" aria-hidden="true" />
              ) : (
                <Check aria-hidden="true" />
              )}
              Done
            </Button>
          </li>
        );
      })}
    </ul>
  );
}

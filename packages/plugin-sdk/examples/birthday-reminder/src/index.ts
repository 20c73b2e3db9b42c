import type { Entity, PluginContext, PluginHandlers, ScheduleInput } from '../../../src/context.ts';

/** Days from `today` to the next occurrence of a YYYY-MM-DD or --MM-DD birthday. */
export function daysUntil(birthday: string, today: Date): number | undefined {
  const m = /^(?:\d{4}|-)-(\d{2})-(\d{2})$/.exec(birthday);
  if (!m) return undefined;
  const month = Number(m[1]) - 1;
  const day = Number(m[2]);
  const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  let next = Date.UTC(today.getUTCFullYear(), month, day);
  if (next < start) next = Date.UTC(today.getUTCFullYear() + 1, month, day);
  return Math.round((next - start) / 86_400_000);
}

async function remind(ctx: PluginContext, today: Date) {
  const daysAhead = Number(ctx.config.values.daysAhead ?? 7);
  const created: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.entities.query({ type: 'person', limit: 200, cursor });
    for (const person of page.items as Entity[]) {
      const birthday = person.properties.birthday;
      if (typeof birthday !== 'string') continue;
      const days = daysUntil(birthday, today);
      if (days === undefined || days > daysAhead) continue;
      const due = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + days));
      const dueDate = due.toISOString().slice(0, 10);
      // One task per person and birthday, however often the schedule runs.
      const key = `task:${person.id}:${dueDate}`;
      if (await ctx.storage.get(key)) continue;
      const task = await ctx.entities.create({
        type: 'task',
        title: `Birthday: ${person.title}${days === 0 ? ' (today)' : ` in ${days} day${days === 1 ? '' : 's'}`}`,
        body: `Wish ${person.title} a happy birthday.`,
        properties: { dueAt: dueDate, status: 'todo', priority: days === 0 ? 'high' : 'normal' },
      });
      await ctx.storage.set(key, task.id);
      created.push(task.id);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  ctx.log.info('birthday reminders done', { created: created.length });
  return { created };
}

export default {
  onSchedule: (schedule: ScheduleInput, ctx: PluginContext) => remind(ctx, new Date(schedule.firedAt)),
  run: (input: { today?: string } | null, ctx: PluginContext) =>
    remind(ctx, input?.today ? new Date(input.today) : new Date()),
} satisfies PluginHandlers;

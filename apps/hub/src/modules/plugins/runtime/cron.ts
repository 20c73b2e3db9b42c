/**
 * Five-field cron (minute hour day-of-month month day-of-week, UTC) for plugin schedule
 * triggers: `*`, `*\/n`, `a-b`, `a-b/n`, lists. As in Vixie cron, when both day fields are
 * restricted a day matches either.
 */
const ranges = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
] as const;

function field(spec: string, [min, max]: readonly [number, number]): Set<number> | undefined {
  if (spec === '*') return undefined;
  const values = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`bad cron field ${spec}`);
    const step = m[4] ? Number(m[4]) : 1;
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] ? Number(m[3]) : m[4] ? max : from;
    if (from < min || to > max || from > to || step < 1) throw new Error(`bad cron field ${spec}`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export function parseCron(expression: string) {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error('cron needs five fields');
  const [minute, hour, dom, month, dow] = parts.map((p, i) => field(p, ranges[i]!));
  if (dow?.has(7)) dow.add(0);
  return (at: Date): boolean => {
    if (minute && !minute.has(at.getUTCMinutes())) return false;
    if (hour && !hour.has(at.getUTCHours())) return false;
    if (month && !month.has(at.getUTCMonth() + 1)) return false;
    const domOk = !dom || dom.has(at.getUTCDate());
    const dowOk = !dow || dow.has(at.getUTCDay());
    return dom && dow ? domOk || dowOk : domOk && dowOk;
  };
}

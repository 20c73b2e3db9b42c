/**
 * Prometheus text exposition (format 0.0.4) for `/metrics`: each module lists its metrics
 * with `metric(...)` and the app joins them. Values are read at scrape time, which is why
 * there is no registry to keep: a module's `metrics()` reads its own counters and gauges.
 */

export type MetricLabels = Readonly<Record<string, string>>;

/** One value, or one value per label set. */
export type MetricSamples = number | readonly (readonly [MetricLabels, number])[];

/** Label values may hold a backslash, a quote or a newline (a consumer's or a job's name). */
const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labelText = (labels: MetricLabels) => {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
};

/** The HELP and TYPE lines of one metric and its samples. */
export function metric(name: string, type: 'counter' | 'gauge', help: string, samples: MetricSamples): string[] {
  const lines = [`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`];
  if (typeof samples === 'number') lines.push(`${name} ${samples}`);
  else for (const [labels, value] of samples) lines.push(`${name}${labelText(labels)} ${value}`);
  return lines;
}

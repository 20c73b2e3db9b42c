import type { EventInput, PluginContext, PluginHandlers } from '../../../src/context.ts';

interface Enrichment {
  organization?: string;
  jobTitle?: string;
}

async function enrich(personId: string, ctx: PluginContext) {
  const person = await ctx.entities.get(personId);
  if (person.type !== 'person') return { skipped: 'not a person' };
  const email = (person.properties.emails as string[] | undefined)?.[0];
  if (!email) return { skipped: 'no email' };
  const credential = ctx.config.credentials.enrichApi;
  if (!credential) return { skipped: 'no API key configured' };
  const base = String(ctx.config.values.apiBase ?? 'https://api.enrich.example.com');
  const response = await ctx.http.fetch(`${base}/v1/people?email=${encodeURIComponent(email)}`, {
    headers: { accept: 'application/json' },
    credential: { handle: credential.handle, as: 'header' },
  });
  if (response.status === 404) return { skipped: 'unknown to the API' };
  if (response.status !== 200) throw new Error(`The enrichment API answered ${response.status}`);
  const found = JSON.parse(response.body) as Enrichment;
  const properties: Record<string, unknown> = { ...person.properties };
  if (found.organization && !properties.organization) properties.organization = found.organization;
  if (found.jobTitle && !properties.jobTitle) properties.jobTitle = found.jobTitle;
  const updated = await ctx.entities.update(person.id, { version: person.version, properties });
  return { enriched: updated.id, organization: properties.organization ?? null, jobTitle: properties.jobTitle ?? null };
}

export default {
  onEvent: (event: EventInput, ctx: PluginContext) => {
    const entity = event.data.entity as { id?: string; type?: string } | undefined;
    if (entity?.type !== 'person' || !entity.id) return { skipped: 'not a person' };
    return enrich(entity.id, ctx);
  },
  run: (input: { personId: string }, ctx: PluginContext) => enrich(input.personId, ctx),
} satisfies PluginHandlers;

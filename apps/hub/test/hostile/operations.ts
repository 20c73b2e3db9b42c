import type { RouteKey } from './fastify-routes.ts';
import type { JsonSchema } from './schema-values.ts';
import type { Operation, Parameter } from './variants.ts';

interface OpenApiOperation {
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

const parameters = (op: OpenApiOperation, where: string): Parameter[] =>
  (op.parameters ?? [])
    .filter((p) => p.in === where)
    .map((p) => ({ name: p.name, schema: p.schema ?? {}, required: p.required ?? where === 'path' }));

/** The operations the OpenAPI document describes, with their parameters and JSON body schema. */
export function documentedOperations(document: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, byMethod] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      out.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters(op, 'path'),
        queryParams: parameters(op, 'query'),
        headerParams: parameters(op, 'header'),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return out;
}

/** Path shape without parameter names: `/a/{}/b`. */
const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

/** Routes Fastify serves that the document leaves out (DAV, /docs, CORS preflight), as bare operations. */
export function undocumentedOperations(documented: readonly Operation[], routes: readonly RouteKey[]): Operation[] {
  const known = new Set(documented.map((op) => `${op.method} ${shape(op.path)}`));
  return routes
    .filter((r) => !known.has(`${r.method} ${shape(r.path)}`))
    .map((r) => ({
      method: r.method,
      path: r.path,
      pathParams: [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1]!, schema: {}, required: true })),
      queryParams: [],
      headerParams: [],
    }));
}

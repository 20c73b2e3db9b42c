/** One registered route: a method and a path in OpenAPI spelling (`{id}`, `{*}`). */
export interface RouteKey {
  method: string;
  path: string;
}

/**
 * Every route Fastify has, read from `app.printRoutes({ commonPrefix: false })`. The tree
 * splits paths at any character ("/run" then "s" for /runs), so a route's path is the
 * concatenation of its ancestors' segments. Shared parameter nodes print as `:id|:personId`;
 * the first name is enough to address the route. HEAD twins of GET routes are left out.
 */
export function routesFromPrintedTree(printed: string): RouteKey[] {
  const routes: RouteKey[] = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    if (!match[3]) continue;
    // A wildcard prints as its own node, without the slash before it.
    const joined = stack.join('').replace(/([^/])\*$/, '$1/*');
    const path = (joined.startsWith('/') ? joined : `/${joined}`)
      .replace(/:(\w+)(?:\|:\w+)*/g, '{$1}')
      .replace(/\*$/, '{*}');
    for (const method of match[3].split(', ')) {
      if (method !== 'HEAD') routes.push({ method, path });
    }
  }
  return routes;
}

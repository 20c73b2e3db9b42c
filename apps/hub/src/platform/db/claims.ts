import type { RequestClaims, RequestRole } from './types.ts';

const allowedRoles: ReadonlySet<RequestRole> = new Set(['authenticated', 'anon']);

/** Only these roles may be assumed for a request: never service_role or the owner. */
export function requestRole(claims: RequestClaims): RequestRole {
  if (!allowedRoles.has(claims.role)) {
    throw new Error(`Refusing to run a request as role ${String(claims.role)}`);
  }
  return claims.role;
}

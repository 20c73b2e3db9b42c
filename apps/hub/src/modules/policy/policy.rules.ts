import { matchesHost, matchesPattern } from '@made-open/plugin-sdk/manifest';

/**
 * Does a held permission (declared or granted, possibly with a wildcard resource) cover a
 * concrete one? entities:read:* covers entities:read:person; events:subscribe:comms.*
 * covers events:subscribe:comms.SmsReceived; http:fetch:*.example.com covers
 * http:fetch:api.example.com. Everything else must match exactly.
 */
export function covers(held: string, wanted: string): boolean {
  if (held === wanted) return true;
  const [hk, ha, ...hr] = held.split(':');
  const [wk, wa, ...wr] = wanted.split(':');
  if (hk !== wk || ha !== wa) return false;
  const h = hr.join(':');
  const w = wr.join(':');
  if (hk === 'entities') return h === '*';
  if (hk === 'events') return matchesPattern(h, w);
  // `*` is a ceiling only (a rule's declaration): no manifest or grant can spell it (isValidPermission).
  if (hk === 'http' && ha === 'fetch') return h === '*' || matchesHost(h, w);
  // Likewise plugins:run:* (a rule may be approved to run any one plugin, each by its id).
  if (hk === 'plugins' && ha === 'run') return h === '*' && wr.length === 1;
  return false;
}

export type DecisionReason = 'allowed' | 'not_declared' | 'not_granted';

/** A plugin holds a permission only when its manifest declares it AND its user granted it. */
export function evaluate(declared: readonly string[], granted: readonly string[], wanted: string): DecisionReason {
  if (!declared.some((p) => covers(p, wanted))) return 'not_declared';
  if (!granted.some((p) => covers(p, wanted))) return 'not_granted';
  return 'allowed';
}

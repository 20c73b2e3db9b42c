export { isPrivateAddress } from './address.ts';
export { createOutboundClient, outboundDefaults } from './client.ts';
export type { GuardedRequest, OutboundClient, OutboundOptions, OutboundRequest, OutboundResponse } from './client.ts';
export { systemClock, type Clock } from './clock.ts';
export { OutboundRefused, OutboundUnreachable, ProviderRateLimited, type RefusalReason } from './errors.ts';
export { createScrubber, redacted, type Scrubber } from './scrubber.ts';
export type { SharedLimit } from './gates.ts';

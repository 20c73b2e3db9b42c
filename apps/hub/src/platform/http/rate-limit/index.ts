export { localRateLimiting, type RateLimiting, type WhenStoreFails } from './rate-limit.ts';
export { sharedRateLimiting } from './rate-limit.shared.ts';

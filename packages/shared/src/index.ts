export * from './errors.ts';
export * from './events.ts';
export * from './entities.ts';
export * from './identity-api.ts';
export type { EventData, NewEvent, PlatformEventMap, PlatformEventType } from './event-registry.ts';
export * from './timeline.ts';
export * from './mentions.ts';
export * from './devices.ts';

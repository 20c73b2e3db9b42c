export { createEventOutbox, type EventOutbox } from './outbox.ts';

export const eventsMigrations = {
  module: 'events',
  dir: new URL('./migrations', import.meta.url).pathname,
};

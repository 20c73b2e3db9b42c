import { z } from 'zod';
import { defineEvent } from './events.ts';

/**
 * Rules events (stream platform-events). Subject: the rule's id; ownerId: the rule's owner.
 */

/** A rule's `notify` step: a notification for its owner in the web app. */
export const ruleNotification = defineEvent(
  'rule.Notification',
  1,
  z.object({
    ruleId: z.string().uuid(),
    runId: z.string().uuid(),
    title: z.string().max(200),
    body: z.string().max(2000),
  }),
);

export const ruleEvents = [ruleNotification] as const;

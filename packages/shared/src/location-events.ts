import { z } from 'zod';
import { defineEvent } from './events.ts';

/**
 * Location events (stream platform-events), from a device reporting its position against
 * the owner's places (integrations.md §5). Subject: the place entity's id.
 */
const placeFacts = {
  placeId: z.string().uuid(),
  /** The place's title when the event was made ("Work", "Home"). */
  placeName: z.string().max(200),
  /** The reporting device, as its agent names it. */
  deviceId: z.string().max(200).optional(),
};

export const locationPlaceEntered = defineEvent('location.PlaceEntered', 1, z.object(placeFacts));
export const locationPlaceLeft = defineEvent('location.PlaceLeft', 1, z.object(placeFacts));

export const locationEvents = [locationPlaceEntered, locationPlaceLeft] as const;

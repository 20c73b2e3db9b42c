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
  /** The reporting device (a paired device's id). */
  deviceId: z.string().max(200).optional(),
  /** When, corrected for the device's clock. */
  at: z.string().datetime({ offset: true }).optional(),
  /** OwnTracks: the app's geofence; visits: a stay detected in locations. */
  via: z.enum(['geofence', 'stay']).optional(),
};

export const locationPlaceEntered = defineEvent('location.PlaceEntered', 1, z.object(placeFacts));
export const locationPlaceLeft = defineEvent('location.PlaceLeft', 1, z.object(placeFacts));

export const locationEvents = [locationPlaceEntered, locationPlaceLeft] as const;

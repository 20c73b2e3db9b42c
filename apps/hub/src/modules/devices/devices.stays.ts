/**
 * Stay-point detection (issue 16 §5), after Li et al. 2008 ("Mining user similarity based on
 * location history"): consecutive fixes that stay within a distance of where the stay began,
 * for at least a minimum time, are one stay. Here the distance is measured to the running
 * centre of the stay's fixes (steadier than its first fix with GPS jitter), and the detector
 * is a state machine fed one fix at a time, so each upload only continues where the last
 * one stopped. Pure: devices.visits.ts stores the state and the visits.
 */

/** A fix further than this from the stay's centre ends it. */
export const stayRadiusMeters = 150;
/** A stay becomes a visit once it has lasted this long (first to last fix). */
export const minStayMs = 10 * 60_000;
/** Fixes vaguer than this (cell-tower positions) neither extend nor end a stay. */
export const maxAccuracyMeters = 250;

export interface Fix {
  time: number;
  lat: number;
  lon: number;
}

export interface StayState {
  startedAt: number;
  lastAt: number;
  samples: number;
  sumLat: number;
  sumLon: number;
  /** The visit this stay became, once it lasted minStayMs. */
  visitId: string | null;
}

/** What the caller must store or announce after a fix. */
export type StayChange =
  { kind: 'open'; state: StayState } | { kind: 'extend'; state: StayState } | { kind: 'close'; state: StayState };

const earthRadiusMeters = 6_371_008.8;
const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance (haversine). */
export function distanceMeters(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = radians(b.lat - a.lat);
  const dLon = radians(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * earthRadiusMeters * Math.asin(Math.min(1, Math.sqrt(h)));
}

export const centreOf = (state: Pick<StayState, 'samples' | 'sumLat' | 'sumLon'>) => ({
  lat: state.sumLat / state.samples,
  lon: state.sumLon / state.samples,
});

const startAt = (fix: Fix): StayState => ({
  startedAt: fix.time,
  lastAt: fix.time,
  samples: 1,
  sumLat: fix.lat,
  sumLon: fix.lon,
  visitId: null,
});

/**
 * Feeds one fix (in time order) to the detector. Returns the next state and what changed:
 * `open` (the stay just became a visit: the caller gives it `visitId`), `extend` (an open
 * visit got a fix), `close` (the fix left the stay: `state` is the finished one, and the
 * returned `next` starts at this fix).
 */
export function step(state: StayState | null, fix: Fix): { next: StayState; changes: StayChange[] } {
  if (state === null) return { next: startAt(fix), changes: [] };
  if (distanceMeters(centreOf(state), fix) <= stayRadiusMeters) {
    const next: StayState = {
      ...state,
      lastAt: Math.max(state.lastAt, fix.time),
      samples: state.samples + 1,
      sumLat: state.sumLat + fix.lat,
      sumLon: state.sumLon + fix.lon,
    };
    if (next.visitId !== null) return { next, changes: [{ kind: 'extend', state: next }] };
    if (next.lastAt - next.startedAt >= minStayMs) return { next, changes: [{ kind: 'open', state: next }] };
    return { next, changes: [] };
  }
  const changes: StayChange[] = state.visitId !== null ? [{ kind: 'close', state }] : [];
  return { next: startAt(fix), changes };
}

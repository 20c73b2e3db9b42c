/** 75 -> "1:15"; 3725 -> "1:02:05". */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** A cursor as the hub hands them out (base64url, bounded): anything else in the address is ignored. */
export function cursorFrom(value: string | string[] | undefined): string | undefined {
  const one = Array.isArray(value) ? value[0] : value;
  return one && one.length <= 300 && /^[A-Za-z0-9_-]+$/.test(one) ? one : undefined;
}

/** /calls with a filter and, for older calls, the cursor of the page before: the filter is kept while paging. */
export function callsHref(filter: string | undefined, older?: string): string {
  const query = new URLSearchParams();
  if (filter) query.set('filter', filter);
  if (older) query.set('older', older);
  const search = query.toString();
  return search ? `/calls?${search}` : '/calls';
}

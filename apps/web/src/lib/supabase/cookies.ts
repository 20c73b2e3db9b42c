/** Supabase's auth cookies are named sb-<project ref>-auth-token (possibly chunked: .0, .1 ...). */
export function hasAuthCookie(names: Iterable<string>): boolean {
  for (const name of names) if (/^sb-.+-auth-token(\.\d+)?$/.test(name)) return true;
  return false;
}

/**
 * Outlook writes time zones as Windows names ("Pacific Standard Time") unless asked
 * otherwise; the graph keeps IANA names. The common ones (CLDR windowsZones, territory
 * 001); an IANA name passes through; anything else is unknown (undefined).
 */
const windows: Record<string, string> = {
  UTC: 'UTC',
  'Coordinated Universal Time': 'UTC',
  // Outlook's own name for UTC in originalStartTimeZone.
  'tzone://Microsoft/Utc': 'UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'GTB Standard Time': 'Europe/Bucharest',
  'Russian Standard Time': 'Europe/Moscow',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Israel Standard Time': 'Asia/Jerusalem',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Arabian Standard Time': 'Asia/Dubai',
  'India Standard Time': 'Asia/Kolkata',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'W. Australia Standard Time': 'Australia/Perth',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'US Mountain Standard Time': 'America/Phoenix',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Alaskan Standard Time': 'America/Anchorage',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Atlantic Standard Time': 'America/Halifax',
  'Canada Central Standard Time': 'America/Regina',
  'Mexico Standard Time': 'America/Mexico_City',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'SA Pacific Standard Time': 'America/Bogota',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Buenos_Aires',
  'Egypt Standard Time': 'Africa/Cairo',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'Pakistan Standard Time': 'Asia/Karachi',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'Taipei Standard Time': 'Asia/Taipei',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'Newfoundland Standard Time': 'America/St_Johns',
};

function isIana(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Windows → IANA. Custom zones ("tzone://Microsoft/Custom", "Customized Time Zone": a zone
 * an organizer's client defined itself) are unknown: undefined, never a guess.
 */
export function windowsToIana(name: string): string | undefined {
  const trimmed = name.trim();
  if (!trimmed) return undefined;
  return (
    windows[trimmed] ?? (/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(trimmed) && isIana(trimmed) ? trimmed : undefined)
  );
}

/**
 * The Windows name Outlook writes for an IANA zone, when the table has one (what Outlook then
 * records as originalStartTimeZone); else the IANA name as it is (Graph's dateTimeTimeZone
 * takes IANA names too; not verified here against the live service).
 */
export function ianaToWindows(zone: string): string {
  if (zone === 'UTC') return 'UTC';
  for (const [windowsName, iana] of Object.entries(windows)) if (iana === zone) return windowsName;
  return zone;
}

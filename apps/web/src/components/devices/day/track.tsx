import type { DeviceDay } from '@/lib/devices';

const width = 640;
const height = 360;
const pad = 24;
/** One colour per device, from the theme's chart palette, readable in both themes. */
const colours = ['var(--color-primary)', '#d97706', '#0891b2', '#9333ea'];

/**
 * The day's movement as an SVG: no map tiles (the hub reaches no tile server), only the tracks
 * drawn to scale (equirectangular, longitude shrunk by the cosine of the latitude) with the
 * visits as labelled dots. The list beside it says the same in words.
 */
export function DayTrack({ day, deviceNames }: { day: DeviceDay; deviceNames: Map<string, string> }) {
  const points = [...day.tracks.flatMap((t) => t.points), ...day.visits.map((v) => [v.lat, v.lon] as const)];
  if (points.length === 0) return null;
  const lats = points.map((p) => p[0]);
  const lons = points.map((p) => p[1]);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const xScale = Math.cos((midLat * Math.PI) / 180);
  const minX = Math.min(...lons) * xScale;
  const maxX = Math.max(...lons) * xScale;
  const minY = Math.min(...lats);
  const maxY = Math.max(...lats);
  const span = Math.max(maxX - minX, maxY - minY, 0.002);
  const scale = Math.min(
    (width - 2 * pad) / Math.max(maxX - minX, span / 4),
    (height - 2 * pad) / Math.max(maxY - minY, span / 4),
  );
  const x = (lon: number) => pad + (lon * xScale - minX) * scale + (width - 2 * pad - (maxX - minX) * scale) / 2;
  const y = (lat: number) => height - pad - (lat - minY) * scale - (height - 2 * pad - (maxY - minY) * scale) / 2;
  const deviceIds = [...new Set([...day.tracks.map((t) => t.deviceId), ...day.visits.map((v) => v.deviceId)])];
  const colourOf = (id: string) => colours[deviceIds.indexOf(id) % colours.length];
  const named = day.visits.filter((v) => v.place).length;
  const label =
    `Track of the day: ${day.visits.length} stop${day.visits.length === 1 ? '' : 's'}` +
    (named > 0 ? ` (${[...new Set(day.visits.flatMap((v) => (v.place ? [v.place.name] : [])))].join(', ')})` : '') +
    ` by ${deviceIds.map((id) => deviceNames.get(id) ?? 'a device').join(' and ')}.`;

  return (
    <figure className="grid gap-2">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={label}
        className="h-auto w-full rounded-lg border border-border bg-muted/40"
      >
        {day.tracks.map((track) => (
          <polyline
            key={track.deviceId}
            points={track.points.map(([lat, lon]) => `${x(lon).toFixed(1)},${y(lat).toFixed(1)}`).join(' ')}
            fill="none"
            stroke={colourOf(track.deviceId)}
            strokeWidth={2.5}
            strokeLinejoin="round"
            strokeLinecap="round"
            opacity={0.8}
          />
        ))}
        {day.visits.map((visit) => (
          <g key={visit.id}>
            <circle
              cx={x(visit.lon)}
              cy={y(visit.lat)}
              r={8}
              fill={colourOf(visit.deviceId)}
              stroke="white"
              strokeWidth={2}
            />
            {visit.place && (
              <text
                x={x(visit.lon) + 10}
                y={y(visit.lat) - 8}
                fontSize={18}
                className="fill-foreground"
                paintOrder="stroke"
                stroke="var(--color-background)"
                strokeWidth={4}
              >
                {visit.place.name}
              </text>
            )}
          </g>
        ))}
      </svg>
      {deviceIds.length > 1 && (
        <figcaption className="flex flex-wrap gap-3 text-xs text-muted-foreground">
          {deviceIds.map((id) => (
            <span key={id} className="inline-flex items-center gap-1">
              <span
                aria-hidden="true"
                className="inline-block size-2.5 rounded-full"
                style={{ background: colourOf(id) }}
              />
              {deviceNames.get(id) ?? 'Device'}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

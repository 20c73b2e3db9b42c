'use client';
import { useTheme } from 'next-themes';
import { useEffect, useState } from 'react';

export function ThemeChoice() {
  const { theme, setTheme } = useTheme();
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const options = [
    ['system', 'Same as device'],
    ['light', 'Light'],
    ['dark', 'Dark'],
  ] as const;
  return (
    <fieldset className="grid gap-2">
      <legend className="sr-only">Appearance</legend>
      {options.map(([value, label]) => (
        <label key={value} className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name="theme"
            value={value}
            checked={mounted ? (theme ?? 'system') === value : value === 'system'}
            onChange={() => setTheme(value)}
            className="size-4 accent-[var(--primary)]"
          />
          {label}
        </label>
      ))}
    </fieldset>
  );
}

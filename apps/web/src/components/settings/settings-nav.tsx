'use client';
import {
  ArrowDownUp,
  Cable,
  EyeOff,
  KeyRound,
  PlugZap,
  Puzzle,
  ShieldCheck,
  Smartphone,
  UserRound,
} from 'lucide-react';
import { usePathname } from 'next/navigation';
import { isCurrentSection, NavLink } from '@/components/shell/nav-link';

export const SETTINGS_SECTIONS = [
  { href: '/settings', label: 'Account', icon: UserRound },
  { href: '/settings/credentials', label: 'Credentials', icon: KeyRound },
  { href: '/settings/capabilities', label: 'Capabilities', icon: PlugZap },
  { href: '/settings/connections', label: 'Connections', icon: Cable },
  { href: '/settings/plugins', label: 'Plugins', icon: Puzzle },
  { href: '/settings/grants', label: 'Grants', icon: ShieldCheck },
  { href: '/settings/ai', label: 'AI privacy', icon: EyeOff },
  { href: '/settings/phone-sync', label: 'Phone sync', icon: Smartphone },
  { href: '/settings/data', label: 'Import and export', icon: ArrowDownUp },
] as const;

/** Settings sub-navigation: a column beside the content on wide screens, wrapped rows above it on phones. */
export function SettingsNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Settings" className="border-b border-border pb-3 md:border-0 md:pb-0">
      <ul className="flex flex-wrap gap-1 md:sticky md:top-20 md:flex-col">
        {SETTINGS_SECTIONS.map(({ href, label, icon: Icon }) => (
          <li key={href} className="shrink-0">
            <NavLink
              href={href}
              icon={Icon}
              active={isCurrentSection(pathname, href, href === '/settings')}
              className="px-2.5 md:gap-2 md:px-3"
            >
              {label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

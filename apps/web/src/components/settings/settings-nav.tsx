'use client';
import { KeyRound, PlugZap, Puzzle, ShieldCheck, UserRound } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/lib/utils';

export const SETTINGS_SECTIONS = [
  { href: '/settings', label: 'Account', icon: UserRound },
  { href: '/settings/credentials', label: 'Credentials', icon: KeyRound },
  { href: '/settings/capabilities', label: 'Capabilities', icon: PlugZap },
  { href: '/settings/plugins', label: 'Plugins', icon: Puzzle },
  { href: '/settings/grants', label: 'Grants', icon: ShieldCheck },
] as const;

/** Settings sub-navigation: a column beside the content on wide screens, wrapped rows above it on phones. */
export function SettingsNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Settings" className="border-b border-border pb-3 md:border-0 md:pb-0">
      <ul className="flex flex-wrap gap-1 md:sticky md:top-20 md:flex-col">
        {SETTINGS_SECTIONS.map(({ href, label, icon: Icon }) => {
          const active = href === '/settings' ? pathname === href : pathname === href || pathname.startsWith(`${href}/`);
          return (
            <li key={href} className="shrink-0">
              <Link
                href={href}
                aria-current={active ? 'page' : undefined}
                className={cn(
                  'flex h-9 items-center gap-1.5 rounded-md px-2.5 text-sm font-medium md:gap-2 md:px-3 text-muted-foreground hover:bg-muted hover:text-foreground',
                  active && 'bg-muted text-foreground',
                )}
              >
                <Icon className="size-4" aria-hidden="true" />
                {label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

'use client';
import {
  CalendarDays,
  House,
  MessagesSquare,
  NotebookPen,
  Phone,
  Settings,
  Smartphone,
  Sparkles,
  Users,
} from 'lucide-react';
import { usePathname } from 'next/navigation';
import { isCurrentSection, NavLink } from '@/components/shell/nav-link';

export const SECTIONS = [
  { href: '/', label: 'Today', icon: House },
  { href: '/contacts', label: 'Contacts', icon: Users },
  { href: '/messages', label: 'Messages', icon: MessagesSquare },
  { href: '/notes', label: 'Notes', icon: NotebookPen },
  { href: '/calls', label: 'Calls', icon: Phone },
  { href: '/calendar', label: 'Calendar', icon: CalendarDays },
  { href: '/ai', label: 'Ask', icon: Sparkles },
  { href: '/devices', label: 'Devices', icon: Smartphone },
  { href: '/settings', label: 'Settings', icon: Settings },
] as const;

export function MainNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Sections">
      <ul className="flex items-center gap-0.5 sm:gap-1">
        {SECTIONS.map(({ href, label, icon: Icon }) => (
          <li key={href}>
            <NavLink
              href={href}
              icon={Icon}
              active={isCurrentSection(pathname, href)}
              className="px-1.5 sm:px-2 2xl:px-3"
            >
              <span className="max-sm:sr-only">{label}</span>
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

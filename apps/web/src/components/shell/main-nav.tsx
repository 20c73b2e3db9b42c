'use client';
import {
  CalendarDays,
  Ellipsis,
  House,
  MessagesSquare,
  NotebookPen,
  Phone,
  Settings,
  Smartphone,
  Sparkles,
  Users,
  Workflow,
} from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { DropdownMenu } from 'radix-ui';
import { isCurrentSection, NavLink } from '@/components/shell/nav-link';
import { cn } from '@/lib/utils';

/** `phone`: shown in the bar on a phone; the others are under More there (all are shown from `sm` up). */
export const SECTIONS = [
  { href: '/', label: 'Today', icon: House, phone: true },
  { href: '/contacts', label: 'Contacts', icon: Users, phone: true },
  { href: '/messages', label: 'Messages', icon: MessagesSquare, phone: true },
  { href: '/notes', label: 'Notes', icon: NotebookPen, phone: false },
  { href: '/calls', label: 'Calls', icon: Phone, phone: true },
  { href: '/calendar', label: 'Calendar', icon: CalendarDays, phone: true },
  { href: '/ai', label: 'Ask', icon: Sparkles, phone: false },
  { href: '/rules', label: 'Rules', icon: Workflow, phone: false },
  { href: '/devices', label: 'Devices', icon: Smartphone, phone: false },
  { href: '/settings', label: 'Settings', icon: Settings, phone: false },
] as const;

const menuItem =
  'flex cursor-default select-none items-center gap-2 rounded-sm px-2 py-2 text-sm outline-none data-[highlighted]:bg-muted [&_svg]:size-4';

export function MainNav() {
  const pathname = usePathname();
  const current = (href: string) => isCurrentSection(pathname, href, href === '/');
  const more = SECTIONS.filter((s) => !s.phone);
  const inMore = more.some((s) => current(s.href));
  return (
    <nav aria-label="Sections">
      <ul className="flex items-center gap-0.5 sm:gap-1">
        {SECTIONS.map(({ href, label, icon: Icon, phone }) => (
          <li key={href} className={cn(!phone && 'max-sm:hidden')}>
            <NavLink
              href={href}
              icon={Icon}
              active={current(href)}
              className="px-2"
              {...(phone ? {} : { title: label })}
            >
              {/* Ten labels do not fit beside search: the less-used sections are icons with a tooltip. */}
              <span className={phone ? 'max-xl:sr-only' : 'sr-only'}>{label}</span>
            </NavLink>
          </li>
        ))}
        <li className="sm:hidden">
          <DropdownMenu.Root modal={false}>
            <DropdownMenu.Trigger
              aria-label="More sections"
              className={cn(
                'flex h-9 items-center rounded-md px-2 text-muted-foreground outline-none hover:bg-muted hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring',
                inMore && 'bg-muted text-foreground',
              )}
            >
              <Ellipsis className="size-4" aria-hidden="true" />
            </DropdownMenu.Trigger>
            <DropdownMenu.Portal>
              <DropdownMenu.Content
                align="start"
                sideOffset={6}
                className="z-50 min-w-44 rounded-md border border-border bg-background p-1 shadow-md"
              >
                {more.map(({ href, label, icon: Icon }) => (
                  <DropdownMenu.Item key={href} asChild className={menuItem}>
                    <Link href={href} aria-current={current(href) ? 'page' : undefined}>
                      <Icon aria-hidden="true" /> {label}
                    </Link>
                  </DropdownMenu.Item>
                ))}
              </DropdownMenu.Content>
            </DropdownMenu.Portal>
          </DropdownMenu.Root>
        </li>
      </ul>
    </nav>
  );
}

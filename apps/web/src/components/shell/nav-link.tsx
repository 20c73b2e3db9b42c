import type { LucideIcon } from 'lucide-react';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { cn } from '@/lib/utils';

/** Whether `href` is the current section: the page itself or anything under it. */
export function isCurrentSection(pathname: string, href: string, exact = false): boolean {
  return pathname === href || (!exact && pathname.startsWith(`${href}/`));
}

/** A navigation entry with an icon, marked with aria-current when it is the current page. */
export function NavLink({
  href,
  icon: Icon,
  active,
  className,
  title,
  children,
}: {
  href: string;
  /** A tooltip, for entries shown as an icon only. */
  title?: string;
  icon: LucideIcon;
  active: boolean;
  className?: string;
  children: ReactNode;
}) {
  return (
    <Link
      href={href}
      aria-current={active ? 'page' : undefined}
      title={title}
      className={cn(
        'flex h-9 items-center gap-1.5 rounded-md text-sm font-medium text-muted-foreground hover:bg-muted hover:text-foreground',
        className,
        active && 'bg-muted text-foreground',
      )}
    >
      <Icon className="size-4" aria-hidden="true" />
      {children}
    </Link>
  );
}

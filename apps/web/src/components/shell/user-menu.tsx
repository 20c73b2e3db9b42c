'use client';
import { LogOut, Monitor, Moon, Sun, UserRound } from 'lucide-react';
import Link from 'next/link';
import { useTheme } from 'next-themes';
import { DropdownMenu } from 'radix-ui';
import { Button } from '@/components/ui/button';
import { signOut } from '@/lib/actions/auth';

const item =
  'flex cursor-default select-none items-center gap-2 rounded-sm px-2 py-1.5 text-sm outline-none data-[highlighted]:bg-muted [&_svg]:size-4';

export function UserMenu({ email }: { email: string }) {
  const { theme, setTheme } = useTheme();
  return (
    <DropdownMenu.Root modal={false}>
      <DropdownMenu.Trigger asChild>
        <Button variant="ghost" size="icon" aria-label={`Account menu for ${email}`}>
          <UserRound aria-hidden="true" />
        </Button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="end"
          sideOffset={6}
          className="z-50 min-w-56 rounded-md border border-border bg-background p-1 shadow-md"
        >
          <DropdownMenu.Label className="truncate px-2 py-1.5 text-xs text-muted-foreground">
            {email}
          </DropdownMenu.Label>
          <DropdownMenu.Item asChild className={item}>
            <Link href="/settings">
              <UserRound aria-hidden="true" /> Profile and sessions
            </Link>
          </DropdownMenu.Item>
          <DropdownMenu.Separator className="my-1 h-px bg-border" />
          <DropdownMenu.Label className="px-2 py-1 text-xs text-muted-foreground">Theme</DropdownMenu.Label>
          <DropdownMenu.RadioGroup value={theme ?? 'system'} onValueChange={setTheme}>
            <DropdownMenu.RadioItem value="light" className={item}>
              <Sun aria-hidden="true" /> Light
            </DropdownMenu.RadioItem>
            <DropdownMenu.RadioItem value="dark" className={item}>
              <Moon aria-hidden="true" /> Dark
            </DropdownMenu.RadioItem>
            <DropdownMenu.RadioItem value="system" className={item}>
              <Monitor aria-hidden="true" /> Same as device
            </DropdownMenu.RadioItem>
          </DropdownMenu.RadioGroup>
          <DropdownMenu.Separator className="my-1 h-px bg-border" />
          <DropdownMenu.Item className={item} onSelect={() => void signOut()}>
            <LogOut aria-hidden="true" /> Sign out
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

import { Waypoints } from 'lucide-react';
import type { ReactNode } from 'react';

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="grid min-h-dvh place-items-center bg-muted/40 px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-center gap-2 text-lg font-semibold">
          <Waypoints className="size-6 text-primary" aria-hidden="true" />
          Made Open
        </div>
        {children}
      </div>
    </main>
  );
}

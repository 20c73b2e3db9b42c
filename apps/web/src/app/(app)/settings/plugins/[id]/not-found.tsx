import Link from 'next/link';
import { Button } from '@/components/ui/button';

export default function PluginNotFound() {
  return (
    <div className="mx-auto mt-10 max-w-md rounded-lg border border-border p-6 text-center">
      <h1 className="text-lg font-semibold">This plugin is not installed</h1>
      <p className="mt-2 text-sm text-muted-foreground">It may have been uninstalled, or the link is wrong.</p>
      <Button asChild className="mt-4">
        <Link href="/settings/plugins">See your plugins</Link>
      </Button>
    </div>
  );
}

import { PageHeader } from '@/components/page-header';
import { CONTACTS_HEADER } from '@/components/page-headers';
import { Skeleton } from '@/components/ui/skeleton';

export default function Loading() {
  return (
    <>
      <PageHeader {...CONTACTS_HEADER} />
      <div role="status" aria-label="Loading contacts">
        <Skeleton className="mt-8 h-10 w-full" />
        <div className="mt-8 rounded-lg border border-border">
          {Array.from({ length: 8 }, (_, i) => (
            <div key={i} className="flex h-[68px] items-center gap-3 border-b border-border px-4 last:border-b-0">
              <Skeleton className="size-10 rounded-full" />
              <div className="flex-1">
                <Skeleton className="h-4 w-48 max-w-full" />
                <Skeleton className="mt-2 h-3 w-32" />
              </div>
            </div>
          ))}
        </div>
      </div>
    </>
  );
}

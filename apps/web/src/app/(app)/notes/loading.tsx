import { PageHeader } from '@/components/page-header';
import { NOTES_HEADER } from '@/components/page-headers';
import { Skeleton } from '@/components/ui/skeleton';

export default function Loading() {
  return (
    <>
      <PageHeader {...NOTES_HEADER} />
      <div role="status" aria-label="Loading notes">
        <div className="mt-6 grid gap-6 lg:grid-cols-[22rem_1fr]">
          <Skeleton className="h-80" />
          <div className="grid h-fit gap-3">
            <Skeleton className="h-24" />
            <Skeleton className="h-24" />
            <Skeleton className="h-24" />
          </div>
        </div>
      </div>
    </>
  );
}

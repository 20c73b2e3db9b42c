import { PageHeader } from '@/components/page-header';
import { CALENDAR_HEADER } from '@/components/page-headers';
import { Skeleton } from '@/components/ui/skeleton';

export default function Loading() {
  return (
    <>
      <PageHeader {...CALENDAR_HEADER} />
      <div role="status" aria-label="Loading the calendar" className="grid gap-4">
        <Skeleton className="h-10" />
        <Skeleton className="h-[60vh]" />
      </div>
    </>
  );
}

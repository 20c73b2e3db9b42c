'use client';
import { useRouter } from 'next/navigation';
import { useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';

/** Go to any day: a date field and Go (Enter works too). */
export function DayPicker({ date }: { date: string }) {
  const router = useRouter();
  const [value, setValue] = useState(date);
  const id = useId();
  return (
    <form
      className="flex items-end gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        if (/^\d{4}-\d{2}-\d{2}$/.test(value)) router.push(`/devices/day/${value}`);
      }}
    >
      <div className="grid gap-1">
        <label htmlFor={id} className="text-xs font-medium">
          Go to day
        </label>
        <Input id={id} type="date" value={value} onChange={(e) => setValue(e.target.value)} className="h-9 w-40" />
      </div>
      <Button type="submit" size="sm" variant="outline">
        Go
      </Button>
    </form>
  );
}

import { MessageSquare, PhoneCall } from 'lucide-react';
import Link from 'next/link';
import { Button } from '@/components/ui/button';

/** "Text" (a new message to this person at this number) and "Call" (the dialer at /calls) for one number. */
export function PhoneActions({ personId, phone, label }: { personId: string; phone: string; label: string }) {
  return (
    <span className="ml-auto flex shrink-0 gap-1">
      <Button asChild variant="outline" size="sm" className="h-8 px-2.5">
        <Link href={`/messages/new?person=${personId}&to=${encodeURIComponent(phone)}`} aria-label={`Text ${label}`}>
          <MessageSquare aria-hidden="true" /> Text
        </Link>
      </Button>
      <Button asChild variant="outline" size="sm" className="h-8 px-2.5">
        <Link href={`/calls?to=${encodeURIComponent(phone)}`} aria-label={`Call ${label}`}>
          <PhoneCall aria-hidden="true" /> Call
        </Link>
      </Button>
    </span>
  );
}

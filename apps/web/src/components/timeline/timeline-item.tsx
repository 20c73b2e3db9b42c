import {
  CalendarDays,
  CheckSquare,
  FileText,
  Link2,
  Mail,
  MessageSquare,
  Paperclip,
  Phone,
  PhoneIncoming,
  PhoneMissed,
  PhoneOutgoing,
  Voicemail,
} from 'lucide-react';
import type { TimelineItem } from '@made-open/shared/timeline';
import { plainMentions } from '@/lib/mentions';

type Icon = typeof Mail;
type Item = Pick<TimelineItem, 'id' | 'type' | 'title' | 'excerpt' | 'properties' | 'at'>;

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

function minutes(seconds: unknown): string | undefined {
  if (typeof seconds !== 'number' || seconds <= 0) return undefined;
  return seconds < 60 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** How one timeline entry reads: its icon, a one-line summary, where it links, and a preview. */
export function describe(
  item: Item,
  names?: ReadonlyMap<string, string>,
): { icon: Icon; summary: string; href: string | null; preview: string } {
  const p = item.properties;
  const preview = plainMentions(item.excerpt, names).trim();
  switch (item.type) {
    case 'message': {
      const email = p.channel === 'email';
      const inbound = p.direction === 'inbound';
      const what = email ? 'Email' : 'Text';
      const thread = text(p.threadId);
      return {
        icon: email ? Mail : MessageSquare,
        summary: `${what} ${inbound ? 'received' : 'sent'}${text(p.subject) ? `: ${text(p.subject)}` : ''}`,
        href: thread ? `/messages/${encodeURIComponent(thread)}` : '/messages',
        preview: preview || item.title,
      };
    }
    case 'call': {
      const status = String(p.status);
      const inbound = p.direction === 'inbound';
      const length = minutes(p.durationSeconds);
      // A caller who hangs up before anyone answers (canceled) missed you as much as one nobody answered.
      const missed = ['missed', 'no_answer', 'busy', 'voicemail', 'canceled'].includes(status);
      const summary =
        status === 'voicemail'
          ? 'Missed call, voicemail left'
          : status === 'canceled' && !inbound
            ? 'Outgoing call, canceled before an answer'
            : missed
              ? `Missed call${inbound ? '' : ' (outgoing)'}`
              : `${inbound ? 'Incoming' : 'Outgoing'} call${length ? `, ${length}` : ''}${
                  // An outgoing call recorded (the connection's recordOutgoingCalls): played on /calls.
                  !inbound && p.recording ? ', recorded' : ''
                }`;
      return {
        icon:
          status === 'voicemail'
            ? Voicemail
            : missed
              ? PhoneMissed
              : inbound
                ? PhoneIncoming
                : p.direction === 'outbound'
                  ? PhoneOutgoing
                  : Phone,
        summary,
        href: '/calls',
        preview: item.title && !/^call\b/i.test(item.title) ? item.title : '',
      };
    }
    case 'calendar_event':
      return {
        icon: CalendarDays,
        summary: `Event: ${item.title || 'untitled'}`,
        href: null,
        preview: text(p.location) ?? preview,
      };
    case 'note':
      return { icon: FileText, summary: `Note: ${item.title || 'untitled'}`, href: `/notes/${item.id}`, preview };
    case 'task':
      return {
        icon: CheckSquare,
        summary: `${p.status === 'done' ? 'Done' : 'To do'}: ${item.title || 'task'}`,
        href: null,
        preview,
      };
    case 'file':
      return {
        icon: Paperclip,
        summary: `File: ${item.title || text(p.fileName) || 'untitled'}`,
        href: null,
        preview: '',
      };
    default:
      return { icon: Link2, summary: item.title || item.type, href: null, preview };
  }
}

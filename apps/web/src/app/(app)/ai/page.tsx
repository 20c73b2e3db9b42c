import type { Metadata } from 'next';
import { AiChat } from '@/components/ai/ai-chat';
import { ConversationList } from '@/components/ai/conversation-list';
import { PageHeader } from '@/components/page-header';
import { AI_HEADER } from '@/components/page-headers';
import { Problem } from '@/components/problem';
import { turnsOf } from '@/lib/ai';
import { getConversation, listConversations } from '@/lib/ai-api';
import { load } from '@/lib/hub';

export const metadata: Metadata = { title: 'Ask' };

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ask: the chat, and the stored conversations (?c=<id> opens one to read and continue). */
export default async function AiPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const c = (await searchParams).c;
  const id = typeof c === 'string' && ID.test(c) ? c : undefined;
  const [list, open] = await Promise.all([
    load(() => listConversations()),
    id ? load(() => getConversation(id)) : Promise.resolve(undefined),
  ]);
  return (
    <div className="mx-auto grid max-w-5xl gap-6 lg:grid-cols-[15rem_minmax(0,1fr)]">
      <div className="lg:col-span-2">
        <PageHeader {...AI_HEADER} />
      </div>
      <div className="min-w-0 lg:col-start-2 lg:row-start-2">
        {open && !open.ok ? (
          <Problem message={open.error} />
        ) : (
          // Opening another conversation starts from its stored turns (AiChat keeps its own in-flight ones).
          <AiChat conversationId={id} initialTurns={open?.ok ? turnsOf(open.data.messages) : []} />
        )}
      </div>
      {/* Phones: the chat first, the list below it; wider screens: the list beside it. */}
      <aside className="lg:col-start-1 lg:row-start-2">
        <h2 className="mb-2 text-sm font-medium text-muted-foreground">Conversations</h2>
        {list.ok ? <ConversationList conversations={list.data} current={id} /> : <Problem message={list.error} />}
      </aside>
    </div>
  );
}

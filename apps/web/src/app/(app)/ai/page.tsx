import type { Metadata } from 'next';
import { AiChat } from '@/components/ai/ai-chat';
import { PageHeader } from '@/components/page-header';
import { AI_HEADER } from '@/components/page-headers';

export const metadata: Metadata = { title: 'Ask' };

export default function AiPage() {
  return (
    <div className="mx-auto max-w-3xl">
      <PageHeader {...AI_HEADER} />
      <AiChat />
    </div>
  );
}

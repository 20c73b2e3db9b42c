import { describe, expect, it } from 'vitest';
import { attachmentOf, attachmentsProblem } from './ai.proposals.ts';

const file = (sizeBytes?: number) => ({
  id: 'f1',
  type: 'file',
  title: 'plan.pdf',
  source: 'storage',
  properties: { fileName: 'plan.pdf', storageKey: 'docs/plan.pdf', ...(sizeBytes === undefined ? {} : { sizeBytes }) },
});

describe('proposed attachments', () => {
  it('a stored file is an attachment by its Storage path; a file entity from elsewhere is not', () => {
    expect(attachmentOf(file(10))).toEqual({ id: 'f1', name: 'plan.pdf', path: 'docs/plan.pdf', sizeBytes: 10 });
    expect(attachmentOf({ ...file(10), source: 'manual' })).toMatch(/f1 is not a stored file/);
    expect(attachmentOf({ id: 'n1', type: 'note', title: 'x', source: null, properties: {} })).toMatch(/n1 is not/);
  });

  it('files over the send API’s 25 MiB together are refused before the user is asked', () => {
    const mib = 1024 * 1024;
    const of = (...sizes: number[]) =>
      sizes.map((s) => attachmentOf(file(s)) as Exclude<ReturnType<typeof attachmentOf>, string>);
    expect(attachmentsProblem(of(20 * mib, 5 * mib))).toBeNull();
    expect(attachmentsProblem(of(20 * mib, 5 * mib + 1))).toMatch(/more than 25 MiB/);
    expect(attachmentsProblem([])).toBeNull();
  });
});

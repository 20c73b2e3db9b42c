import type { MergeFollower } from '../graph/index.ts';
import { messagesRepository as repo } from './messages.repository.ts';

/**
 * SMS threads follow person merges (issue 12): a thread id holds its person's id
 * (`sms:<own number>:<person id>`), so when an unknown number's person is merged into a contact
 * its texts move to the contact's thread instead of staying under a tombstone, and an undo
 * moves exactly those back. Wired into the graph's merges by composition.ts; runs in the
 * merge's transaction, as its caller (RLS), so nobody sees a merge with its threads half moved.
 */
export const threadMergeFollower: MergeFollower = {
  merged: (tx, merge) => repo.mergeThreads(tx, merge),
  undone: (tx, merge) => repo.unmergeThreads(tx, merge),
};

'use server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { createNote, deleteEntity, updateNote } from '@/lib/graph';
import { attempt, type ActionResult } from '@/lib/hub';
import type { Note } from '@/lib/model';

const NoteInput = z.object({
  title: z.string().trim().min(1, 'Give the note a title.').max(200, 'Keep the title under 200 characters.'),
  body: z.string().max(50_000, 'Notes are limited to 50,000 characters.'),
});

function check(title: string, body: string): ActionResult<never> | null {
  const parsed = NoteInput.safeParse({ title, body });
  if (parsed.success) return null;
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0])] ??= issue.message;
  return { ok: false, error: 'Some fields need attention.', fieldErrors };
}

export async function createNoteAction(title: string, body: string): Promise<ActionResult<Note>> {
  const bad = check(title, body);
  if (bad) return bad;
  const result = await attempt(() => createNote(title.trim(), body));
  if (result.ok) revalidatePath('/notes');
  return result;
}

export async function updateNoteAction(
  id: string,
  version: number,
  title: string,
  body: string,
): Promise<ActionResult<Note>> {
  const bad = check(title, body);
  if (bad) return bad;
  const result = await attempt(() => updateNote(id, version, title.trim(), body));
  if (result.ok) revalidatePath('/notes', 'layout');
  return result;
}

export async function deleteNoteAction(id: string): Promise<ActionResult> {
  const result = await attempt(async () => {
    await deleteEntity(id);
    return undefined;
  });
  if (result.ok) revalidatePath('/notes', 'layout');
  return result;
}

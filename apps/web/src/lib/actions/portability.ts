'use server';
import { z } from 'zod';
import { attempt, hubFetch, type ActionResult } from '@/lib/hub';
import {
  getImport,
  getRestore,
  getTakeout,
  type DuplicatesChoice,
  type ImportRecord,
  type RestoreRecord,
  type TakeoutRecord,
} from '@/lib/portability';

const id = z.string().uuid();
const notAnImport = { ok: false as const, error: 'Not an import.' };

export async function importStatusAction(importId: string): Promise<ActionResult<ImportRecord>> {
  if (!id.safeParse(importId).success) return notAnImport;
  return attempt(() => getImport(importId));
}

export async function setMappingAction(importId: string, mapping: string[]): Promise<ActionResult<ImportRecord>> {
  if (!id.safeParse(importId).success) return notAnImport;
  return attempt(() => hubFetch<ImportRecord>(`/imports/${importId}/mapping`, { method: 'PUT', body: { mapping } }));
}

const duplicatesChoice = z.enum(['suggest', 'merge']);

/** duplicates: 'suggest' imports contacts you already have separately; 'merge' merges them into yours. */
export async function commitImportAction(
  importId: string,
  duplicates: DuplicatesChoice = 'suggest',
): Promise<ActionResult<ImportRecord>> {
  if (!id.safeParse(importId).success) return notAnImport;
  if (!duplicatesChoice.safeParse(duplicates).success)
    return { ok: false, error: 'Choose whether to merge the duplicates or keep them separate.' };
  return attempt(() => hubFetch<ImportRecord>(`/imports/${importId}/commit`, { method: 'POST', body: { duplicates } }));
}

export async function undoImportAction(importId: string): Promise<ActionResult<ImportRecord>> {
  if (!id.safeParse(importId).success) return notAnImport;
  return attempt(() => hubFetch<ImportRecord>(`/imports/${importId}/undo`, { method: 'POST' }));
}

export async function startTakeoutAction(): Promise<ActionResult<TakeoutRecord>> {
  return attempt(() => hubFetch<TakeoutRecord>('/takeouts', { method: 'POST' }));
}

export async function takeoutStatusAction(takeoutId: string): Promise<ActionResult<TakeoutRecord>> {
  if (!id.safeParse(takeoutId).success) return { ok: false, error: 'Not a takeout.' };
  return attempt(() => getTakeout(takeoutId));
}

export async function restoreStatusAction(restoreId: string): Promise<ActionResult<RestoreRecord>> {
  if (!id.safeParse(restoreId).success) return { ok: false, error: 'Not a restore.' };
  return attempt(() => getRestore(restoreId));
}

'use server';
import { z } from 'zod';
import { attempt, hubFetch, type ActionResult } from '@/lib/hub';
import { getImport, getTakeout, type ImportRecord, type TakeoutRecord } from '@/lib/portability';

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

export async function commitImportAction(importId: string): Promise<ActionResult<ImportRecord>> {
  if (!id.safeParse(importId).success) return notAnImport;
  return attempt(() => hubFetch<ImportRecord>(`/imports/${importId}/commit`, { method: 'POST' }));
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

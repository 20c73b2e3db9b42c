import { revalidatePath } from 'next/cache';
import { NextResponse, type NextRequest } from 'next/server';
import { HubError } from '@/lib/errors';
import { getEntity } from '@/lib/graph';
import { hubFetch } from '@/lib/hub';
import { toContact } from '@/lib/model';
import { MAX_PHOTO_BYTES, PHOTO_TYPES, readContactPhoto, removeContactPhoto, storeContactPhoto } from '@/lib/photos';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/**
 * A contact's photo: GET streams it from the hub's Storage under the user's session; POST
 * (the image as the raw body) replaces it; DELETE removes it. A Route Handler, not a Server
 * Action: photos may exceed the 1 MB a Server Action accepts.
 */
const fail = (status: number, message: string, code = 'bad_request') =>
  NextResponse.json({ error: { code, message } }, { status });

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function signedInUser() {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getUser();
  return data.user;
}

async function person(id: string) {
  if (!uuid.test(id)) return null;
  try {
    const entity = await getEntity(id);
    return entity.type === 'person' ? entity : null;
  } catch (error) {
    if (error instanceof HubError && error.status === 404) return null;
    throw error;
  }
}

export async function GET(_request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  if (!(await signedInUser())) return fail(401, 'Your session has ended. Sign in again to continue.', 'unauthorized');
  const entity = await person((await params).id);
  const photo = entity ? toContact(entity).photo : null;
  const blob = photo ? await readContactPhoto(photo) : null;
  if (!blob) return fail(404, 'This contact has no photo.', 'not_found');
  return new NextResponse(blob.stream(), {
    headers: {
      'content-type': blob.type || 'application/octet-stream',
      // The URL carries the object path (?v=), so a new photo is a new URL.
      'cache-control': 'private, max-age=86400',
      'x-content-type-options': 'nosniff',
    },
  });
}

export async function POST(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const user = await signedInUser();
  if (!user) return fail(401, 'Your session has ended. Sign in again to continue.', 'unauthorized');
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!PHOTO_TYPES[type]) return fail(415, 'Choose a JPEG, PNG, WebP or GIF image.', 'unsupported_type');
  if (Number(request.headers.get('content-length') ?? 0) > MAX_PHOTO_BYTES)
    return fail(413, 'The photo is larger than 5 MB. Choose a smaller one.', 'too_large');
  const bytes = await request.blob();
  if (bytes.size === 0) return fail(400, 'The photo arrived empty. Choose it again.');
  if (bytes.size > MAX_PHOTO_BYTES)
    return fail(413, 'The photo is larger than 5 MB. Choose a smaller one.', 'too_large');
  const id = (await params).id;
  const entity = await person(id);
  if (!entity) return fail(404, 'This contact no longer exists.', 'not_found');
  const previous = toContact(entity).photo;
  let stored: { bucket: string; path: string };
  try {
    stored = await storeContactPhoto(user.id, id, bytes, type);
  } catch (error) {
    return fail(502, `The photo could not be stored: ${(error as Error).message}`, 'storage_failed');
  }
  try {
    await hubFetch(`/entities/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      body: { version: entity.version, properties: { ...(entity.properties ?? {}), photo: stored } },
    });
  } catch (error) {
    await removeContactPhoto(stored);
    if (error instanceof HubError) return fail(error.status || 502, error.message, error.code);
    throw error;
  }
  if (previous) await removeContactPhoto(previous);
  revalidatePath(`/contacts/${id}`);
  return NextResponse.json({ photo: stored });
}

export async function DELETE(_request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  if (!(await signedInUser())) return fail(401, 'Your session has ended. Sign in again to continue.', 'unauthorized');
  const id = (await params).id;
  const entity = await person(id);
  if (!entity) return fail(404, 'This contact no longer exists.', 'not_found');
  const previous = toContact(entity).photo;
  if (!previous) return new NextResponse(null, { status: 204 });
  const { photo: _removed, ...rest } = entity.properties ?? {};
  try {
    await hubFetch(`/entities/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      body: { version: entity.version, properties: rest },
    });
  } catch (error) {
    if (error instanceof HubError) return fail(error.status || 502, error.message, error.code);
    throw error;
  }
  await removeContactPhoto(previous);
  revalidatePath(`/contacts/${id}`);
  return new NextResponse(null, { status: 204 });
}

import { revalidatePath } from 'next/cache';
import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { HubError } from '@/lib/errors';
import { installPlugin, upgradePlugin, type PluginPackageBody } from '@/lib/settings/api';
import { PLUGIN_ID } from '@/lib/settings/model';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/**
 * Plugin packages from the browser: a .tgz as the raw request body, or a folder's
 * manifest and bundle as JSON. A Route Handler rather than a Server Action because
 * packages may exceed the 1 MB a Server Action accepts; the hub takes up to 3 MB.
 * POST installs; POST ?upgrade=<plugin id> upgrades.
 */
const MAX_TGZ = 3 * 1024 * 1024;
const MAX_JSON = 3 * 1024 * 1024;

const folderBody = z.object({ manifest: z.record(z.string(), z.unknown()), bundle: z.string().min(1) });

const fail = (status: number, message: string, code = 'bad_request') =>
  NextResponse.json({ error: { code, message } }, { status });

export async function POST(request: NextRequest) {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getUser();
  if (!data.user) return fail(401, 'Your session has ended. Sign in again to continue.', 'unauthorized');

  const upgrade = request.nextUrl.searchParams.get('upgrade');
  if (upgrade !== null && !PLUGIN_ID.test(upgrade)) return fail(404, 'This plugin is not installed.', 'not_found');

  const size = Number(request.headers.get('content-length') ?? 0);
  const isJson = (request.headers.get('content-type') ?? '').startsWith('application/json');
  if (size > (isJson ? MAX_JSON : MAX_TGZ))
    return fail(413, 'The package is larger than 3 MB, the most a plugin may be.', 'too_large');

  let body: PluginPackageBody;
  if (isJson) {
    const parsed = folderBody.safeParse(await request.json().catch(() => null));
    if (!parsed.success)
      return fail(400, 'The folder did not arrive as a manifest and a bundle. Choose the folder again.');
    body = parsed.data;
  } else {
    const bytes = Buffer.from(await request.arrayBuffer());
    if (bytes.length === 0) return fail(400, 'The file is empty. Choose the plugin’s .tgz package.');
    if (bytes.length > MAX_TGZ)
      return fail(413, 'The package is larger than 3 MB, the most a plugin may be.', 'too_large');
    body = { package: bytes.toString('base64') };
  }

  try {
    const plugin = upgrade ? await upgradePlugin(upgrade, body) : await installPlugin(body);
    revalidatePath('/settings/plugins', 'layout');
    revalidatePath('/settings/grants');
    return NextResponse.json({ plugin });
  } catch (error) {
    if (error instanceof HubError) {
      const message =
        error.status === 404
          ? 'This plugin is not installed any more, so it cannot be upgraded. Install it instead.'
          : error.message;
      return fail(error.status || 502, message, error.code);
    }
    throw error;
  }
}

/**
 * Reading a plugin package chosen in the browser: a .tgz goes to the hub as it is; a folder
 * becomes its manifest.json and bundle (the SDK's build output, dist/). Pure: unit-tested.
 */

export const MAX_PACKAGE_BYTES = 3 * 1024 * 1024;
export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

export interface PickedFile {
  /** Path inside the chosen folder, like "dist/manifest.json" (File.webkitRelativePath). */
  path: string;
  size: number;
  text: () => Promise<string>;
}

export type FolderPackage =
  { ok: true; manifest: Record<string, unknown>; bundle: string; folder: string } | { ok: false; error: string };

const MAIN = /^[A-Za-z0-9_.-]+\.js$/;
const dirOf = (path: string) => path.split('/').slice(0, -1).join('/');
const depth = (path: string) => path.split('/').length;

export function isTgzName(name: string): boolean {
  return /\.(tgz|tar\.gz)$/i.test(name);
}

/**
 * The manifest.json nearest the top of the folder whose bundle sits beside it, so choosing
 * either a plugin's source folder or its dist/ works.
 */
export async function readFolderPackage(files: PickedFile[]): Promise<FolderPackage> {
  const manifests = files
    .filter((f) => f.path === 'manifest.json' || f.path.endsWith('/manifest.json'))
    .sort((a, b) => depth(a.path) - depth(b.path));
  if (manifests.length === 0)
    return {
      ok: false,
      error:
        'That folder has no manifest.json. Choose the folder the plugin SDK built (its dist folder), or the .tgz package.',
    };
  let firstProblem: string | undefined;
  for (const file of manifests) {
    let manifest: unknown;
    try {
      manifest = JSON.parse(await file.text());
    } catch {
      firstProblem ??= `${file.path} is not valid JSON.`;
      continue;
    }
    if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
      firstProblem ??= `${file.path} does not describe a plugin.`;
      continue;
    }
    const declared = (manifest as { main?: unknown }).main;
    const main = typeof declared === 'string' && MAIN.test(declared) ? declared : 'index.js';
    const dir = dirOf(file.path);
    const bundlePath = dir ? `${dir}/${main}` : main;
    const bundle = files.find((f) => f.path === bundlePath);
    if (!bundle) {
      firstProblem ??= `${file.path} names ${main} as its bundle, but the folder has no ${bundlePath}. Build the plugin first (made-open-plugin build).`;
      continue;
    }
    if (bundle.size > MAX_BUNDLE_BYTES)
      return { ok: false, error: `${bundlePath} is larger than 2 MB, the most a plugin bundle may be.` };
    return { ok: true, manifest: manifest as Record<string, unknown>, bundle: await bundle.text(), folder: dir || '.' };
  }
  return { ok: false, error: firstProblem ?? 'That folder does not hold a plugin.' };
}

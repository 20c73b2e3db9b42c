import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { manifestSchema, type PluginManifest } from '@made-open/plugin-sdk/manifest';
import { ValidationError } from '../../platform/errors.ts';

/** A plugin package: its validated manifest and its one JavaScript bundle. */
export interface PluginPackage {
  manifest: PluginManifest;
  bundle: string;
  sha256: string;
}

export const maxBundleBytes = 2 * 1024 * 1024;

export function validatePackage(manifestJson: unknown, bundle: string): PluginPackage {
  const parsed = manifestSchema.safeParse(manifestJson);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      path: `/manifest/${issue.path.join('/')}`,
      message: issue.message,
    }));
    throw new ValidationError(`The plugin manifest is not valid: ${details[0]?.path} ${details[0]?.message}.`, details);
  }
  if (Buffer.byteLength(bundle) > maxBundleBytes)
    throw new ValidationError(`The plugin bundle is larger than ${maxBundleBytes} bytes.`);
  if (bundle.trim().length === 0) throw new ValidationError('The plugin bundle is empty.');
  return { manifest: parsed.data, bundle, sha256: createHash('sha256').update(bundle).digest('hex') };
}

/** manifest.json and its `main` bundle from a folder (the SDK's build output). */
export function readPluginFolder(dir: string): PluginPackage {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    throw new ValidationError(`${dir} has no readable manifest.json.`);
  }
  const main = (manifest as { main?: unknown }).main;
  const file = typeof main === 'string' && /^[A-Za-z0-9_.-]+\.js$/.test(main) ? main : 'index.js';
  let bundle: string;
  try {
    bundle = readFileSync(join(dir, file), 'utf8');
  } catch {
    throw new ValidationError(`${dir} has no ${file} bundle.`);
  }
  return validatePackage(manifest, bundle);
}

/**
 * A .tgz (npm pack style: files under one top folder, or at the root) holding
 * manifest.json and the bundle. Only regular files are read; nothing touches the disk.
 */
export function readPluginTarball(tgz: Buffer): PluginPackage {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz, { maxOutputLength: 8 * 1024 * 1024 });
  } catch {
    throw new ValidationError(
      'The plugin package is not a gzip-compressed tar file (.tgz) or is larger than 8 MB unpacked.',
    );
  }
  const files = new Map<string, Buffer>();
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const name = field(0, 100);
    const prefix = field(345, 155);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    if (!Number.isFinite(size) || size < 0) throw new ValidationError('The plugin package is a damaged tar file.');
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (type === '0' || type === '\0') files.set(prefix ? `${prefix}/${name}` : name, body);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  const find = (file: string) =>
    files.get(file) ??
    [...files.entries()].find(([path]) => path.split('/').length === 2 && path.endsWith(`/${file}`))?.[1];
  const manifestBytes = find('manifest.json');
  if (!manifestBytes) throw new ValidationError('The plugin package has no manifest.json.');
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    throw new ValidationError('manifest.json is not valid JSON.');
  }
  const main = (manifest as { main?: unknown }).main;
  const file = typeof main === 'string' && /^[A-Za-z0-9_.-]+\.js$/.test(main) ? main : 'index.js';
  const bundle = find(file);
  if (!bundle) throw new ValidationError(`The plugin package has no ${file}.`);
  return validatePackage(manifest, bundle.toString('utf8'));
}

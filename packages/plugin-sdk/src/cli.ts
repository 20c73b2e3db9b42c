#!/usr/bin/env -S npx tsx
/**
 * made-open-plugin build <plugin dir>   bundles <dir>/src/index.ts (or .js) with esbuild into
 *                                       <dir>/dist/index.js and writes the validated
 *                                       <dir>/dist/manifest.json
 * made-open-plugin pack <plugin dir>    build, then <dir>/dist/<id>-<version>.tgz for
 *                                       POST /api/v1/plugins ({ "package": "<base64>" })
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { manifestSchema, type PluginManifest } from './manifest.ts';

export async function buildPlugin(
  dir: string,
): Promise<{ manifest: PluginManifest; bundlePath: string; bundle: string }> {
  const root = resolve(dir);
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `manifest.json is not valid:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  const entry = ['src/index.ts', 'src/index.js', 'index.ts'].map((f) => join(root, f)).find((f) => existsSync(f));
  if (!entry) throw new Error(`${root} needs src/index.ts (or src/index.js)`);
  const esbuild = await import('esbuild');
  const out = join(root, 'dist', parsed.data.main);
  mkdirSync(join(root, 'dist'), { recursive: true });
  // CommonJS, no Node or browser globals: the sandbox gives only `module.exports`.
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    target: 'es2022',
    outfile: out,
    legalComments: 'none',
    logLevel: 'warning',
  });
  writeFileSync(join(root, 'dist', 'manifest.json'), `${JSON.stringify(parsed.data, null, 2)}\n`);
  return { manifest: parsed.data, bundlePath: out, bundle: readFileSync(out, 'utf8') };
}

/** A minimal ustar writer: regular files only, under package/. */
export function tarGz(files: Record<string, Buffer | string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(`package/${name}`, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write(
      `${Math.floor(Date.now() / 1000)
        .toString(8)
        .padStart(11, '0')}\0`,
      136,
    );
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

export async function packPlugin(dir: string): Promise<string> {
  const { manifest, bundle } = await buildPlugin(dir);
  const path = join(resolve(dir), 'dist', `${manifest.id}-${manifest.version}.tgz`);
  writeFileSync(path, tarGz({ 'manifest.json': JSON.stringify(manifest, null, 2), [manifest.main]: bundle }));
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, dir] = process.argv.slice(2);
  const run =
    command === 'build'
      ? buildPlugin(dir ?? '.').then((r) => r.bundlePath)
      : command === 'pack'
        ? packPlugin(dir ?? '.')
        : Promise.reject(new Error('usage: made-open-plugin build|pack <plugin dir>'));
  run.then(
    (path) => process.stdout.write(`wrote ${path}\n`),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}

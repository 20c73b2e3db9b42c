import { ValidationError } from '../../platform/errors.ts';
import { refuseControlCharacters } from './storage.headers.ts';

/**
 * Names as the client sends them. Object names never reach the file system (blobs live
 * under generated keys), but they are still refused when they could mean something else
 * to a client or an S3 gateway: traversal segments, control characters, backslashes.
 */
const bucketIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function validateBucketId(id: string): string {
  if (!bucketIdPattern.test(id) || id === '.' || id === '..') {
    throw new ValidationError(
      `Invalid bucket id ${JSON.stringify(id.slice(0, 80))}: use 1-63 letters, digits, "_", "-" or ".", starting with a letter or digit.`,
    );
  }
  return id;
}

export function validateObjectName(name: string): string {
  const shown = JSON.stringify(name.slice(0, 120));
  if (name.length === 0)
    throw new ValidationError('The object path is empty: give a file name, like "folder/photo.png".');
  if (name.length > 1024) throw new ValidationError('The object path is longer than 1024 characters.');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new ValidationError(`Invalid object path ${shown}: it contains control characters.`);
  refuseControlCharacters(`Object path ${shown}`, name);
  if (name.includes('\\'))
    throw new ValidationError(`Invalid object path ${shown}: use "/" to separate folders, not "\\".`);
  if (name.startsWith('/')) throw new ValidationError(`Invalid object path ${shown}: it must not start with "/".`);
  const segments = name.split('/');
  for (const segment of segments) {
    if (segment === '.' || segment === '..') {
      throw new ValidationError(`Invalid object path ${shown}: "." and ".." are not allowed as folder or file names.`);
    }
  }
  if (segments.some((s) => s === '')) {
    throw new ValidationError(`Invalid object path ${shown}: it has an empty folder name ("//" or a trailing "/").`);
  }
  return name;
}

/** A folder prefix for listing: '' for the root, otherwise 'a/b/'. */
export function folderPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '').replace(/\/+/g, '/');
  if (trimmed === '') return '';
  validateObjectName(trimmed);
  return `${trimmed}/`;
}

// Decimal, as Supabase Storage counts them: "20mb" is 20,000,000 bytes.
const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12 };

/** Supabase accepts a byte count or a string like "20MB" (decimal units) for file_size_limit. */
export function parseSizeLimit(value: number | string | null | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new ValidationError('file_size_limit must be a whole number of bytes, 0 or more.');
    return value === 0 ? null : value;
  }
  refuseControlCharacters('file_size_limit', value);
  const match = /^ *(\d+(?:\.\d+)?) *(b|kb|mb|gb|tb)? *$/i.exec(value);
  if (!match)
    throw new ValidationError(
      `file_size_limit ${JSON.stringify(value)} is not a size: use bytes or a string like "20MB".`,
    );
  const bytes = Math.floor(Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]!);
  return bytes === 0 ? null : bytes;
}

const mimeTypePattern = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/**
 * The Content-Type stored with an object and sent back on download: the upload's whole
 * header (parameters such as charset included, as Supabase keeps it) when its type is a
 * valid `type/subtype`, else application/octet-stream.
 */
export function storedContentType(contentType: string | undefined): string {
  const value = (contentType ?? '').trim();
  if (value.length > 255 || !mimeTypePattern.test(value.split(';')[0]!.trim().toLowerCase())) {
    return 'application/octet-stream';
  }
  return value;
}

/** `type/subtype` without parameters, lower-cased. */
export function baseMimeType(contentType: string | undefined): string {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return mimeTypePattern.test(base) ? base : 'application/octet-stream';
}

export function validateMimeTypes(types: string[] | null | undefined): string[] | null | undefined {
  if (types === undefined || types === null) return types;
  for (const type of types) {
    if (!/^[a-z0-9!#$&^_.+-]+\/(\*|[a-z0-9!#$&^_.+-]+)$/i.test(type)) {
      throw new ValidationError(
        `allowed_mime_types: ${JSON.stringify(type)} is not a MIME type like "image/png" or "image/*".`,
      );
    }
  }
  return types.length === 0 ? null : types.map((t) => t.toLowerCase());
}

export function mimeTypeAllowed(allowed: string[] | null, mimeType: string): boolean {
  if (!allowed || allowed.length === 0) return true;
  const [type] = mimeType.split('/');
  return allowed.some((entry) => entry === mimeType || entry === `${type}/*` || entry === '*/*');
}

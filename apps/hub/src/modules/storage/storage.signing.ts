import { createHmac, timingSafeEqual } from 'node:crypto';
import { UserError } from '../../platform/errors.ts';

/**
 * Signed URLs: `<base64url(JSON {url, iat, exp})>.<base64url(HMAC-SHA256)>`. The token
 * names exactly one `bucket/object` and expires; changing any byte breaks the MAC.
 */
export interface UrlSigner {
  sign(url: string, expiresInSeconds: number, now?: number): string;
  /** The signed `bucket/object`, or a 400 for a malformed, altered or expired token. */
  verify(token: string, now?: number): string;
}

export class InvalidSignedUrlError extends UserError {
  constructor(message: string, code = 'invalid_signature') {
    super(400, code, message);
  }
}

export function createUrlSigner(secret: string): UrlSigner {
  const key = createHmac('sha256', secret).update('made-open storage signed urls v1').digest();
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest();
  return {
    sign(url, expiresInSeconds, now = Date.now()) {
      const iat = Math.floor(now / 1000);
      const payload = Buffer.from(JSON.stringify({ url, iat, exp: iat + expiresInSeconds })).toString('base64url');
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    verify(token, now = Date.now()) {
      const parts = token.split('.');
      if (parts.length !== 2 || !parts[0] || !parts[1]) {
        throw new InvalidSignedUrlError('The signed URL token is malformed: ask for a new signed URL.');
      }
      const given = Buffer.from(parts[1], 'base64url');
      const expected = mac(parts[0]);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new InvalidSignedUrlError('The signed URL has been altered or was not issued by this hub.');
      }
      let claims: { url?: unknown; exp?: unknown };
      try {
        claims = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof claims;
      } catch {
        throw new InvalidSignedUrlError('The signed URL token is malformed: ask for a new signed URL.');
      }
      if (typeof claims.url !== 'string' || typeof claims.exp !== 'number') {
        throw new InvalidSignedUrlError('The signed URL token is malformed: ask for a new signed URL.');
      }
      if (claims.exp * 1000 <= now) {
        throw new InvalidSignedUrlError('The signed URL has expired: ask for a new one.', 'signature_expired');
      }
      return claims.url;
    },
  };
}

import { createHmac } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { UserError } from '../../platform/errors.ts';

/** How long a signed upload URL stays valid: Supabase's two hours. */
export const signedUploadLifetimeSeconds = 2 * 60 * 60;

/** What a signed upload token grants: one `bucket/object`, written as `owner`. */
export interface SignedUploadGrant {
  owner: string;
  /** `<bucket>/<object name>`, exactly as signed. */
  url: string;
  upsert: boolean;
}

/**
 * A refused upload token, with Supabase Storage's code as both `code` and `error` (how
 * Storage renders its errors) and its words: jose's for a token it cannot verify
 * (InvalidJWT), "Invalid signature" for a token for another object.
 */
export class SignedUploadTokenError extends UserError {
  constructor(code: 'InvalidJWT' | 'InvalidSignature', message: string) {
    super(400, code, message);
  }
}

const scope = 'upload';

/**
 * Signed upload URL tokens: HS256 JWTs `{owner, url, upsert, scope: 'upload'}` as Supabase
 * Storage issues them. The key is derived from the storage secret under its own label, so
 * an upload token is never a valid download token or access token, nor the other way round.
 */
export function createUploadTokenSigner(secret: string) {
  const key = createHmac('sha256', secret).update('made-open storage signed uploads v1').digest();
  return {
    sign(grant: SignedUploadGrant, now = Date.now(), lifetime = signedUploadLifetimeSeconds): Promise<string> {
      const iat = Math.floor(now / 1000);
      return new SignJWT({ owner: grant.owner, url: grant.url, upsert: grant.upsert, scope })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .sign(key);
    },

    /** The grant, if `token` is intact, unexpired, an upload token, and names `bucketId/name`. */
    async verify(token: string, bucketId: string, name: string, now = Date.now()): Promise<SignedUploadGrant> {
      let payload: Record<string, unknown>;
      try {
        payload = (await jwtVerify(token, key, { algorithms: ['HS256'], currentDate: new Date(now) })).payload;
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) throw new SignedUploadTokenError('InvalidJWT', error.message);
        throw error;
      }
      const { owner, url, upsert } = payload;
      if (payload.scope !== scope || typeof owner !== 'string' || typeof url !== 'string') {
        throw new SignedUploadTokenError('InvalidSignature', `Token is not scoped for ${scope}`);
      }
      if (url !== `${bucketId}/${name}`) throw new SignedUploadTokenError('InvalidSignature', 'Invalid signature');
      return { owner, url, upsert: upsert === true };
    },
  };
}

export type UploadTokenSigner = ReturnType<typeof createUploadTokenSigner>;

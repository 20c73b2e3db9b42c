import { providerRegistry } from '@made-open/shared/providers';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Environment variables, validated once at start (DESIGN §7). Unset means the embedded
 * default. Nothing else in the hub reads process.env: the parsed Config is passed in.
 */
const optionalUrl = (what: string) =>
  z
    .string()
    .trim()
    .url({ message: `${what} must be a full URL, for example http://127.0.0.1:4222` })
    .optional();

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY beside addresses and CIDRs. */
const proxyRangeNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One TRUST_PROXY entry: a range name, an IP address, or a CIDR (`10.0.0.0/8`, `fd00::/8`). */
function isProxyAddress(entry: string): boolean {
  if (proxyRangeNames.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY (Fastify's trustProxy): which hops in front of the hub may say who the client
 * is (X-Forwarded-For, -Proto, -Host). Off by default: the client is the connecting address,
 * and a forwarded header, which anyone can send, is ignored. A number trusts that many hops
 * nearest the hub; a list trusts the proxies at those addresses; `true` trusts any sender and
 * is right only when nothing but the proxy can reach the hub.
 */
const trustProxySchema = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .trim()
    .default('false')
    .transform((value, ctx): boolean | number | string[] => {
      if (value === 'false') return false;
      if (value === 'true') return true;
      if (/^\d+$/.test(value)) return Number(value);
      const entries = value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      const wrong = entries.filter((entry) => !isProxyAddress(entry));
      if (entries.length === 0 || wrong.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message:
            `TRUST_PROXY must be false, true, a hop count (1) or a comma-separated list of proxy addresses ` +
            `(10.0.0.5, 10.0.0.0/8, loopback)${wrong.length > 0 ? `; not an address: ${wrong.join(', ')}` : ''}`,
        });
        return z.NEVER;
      }
      return entries;
    }),
);

/** A provider's base URL: http(s), nothing after the path (credentials live in the wallet, not here). */
const apiBaseUrl = (what: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .url({ message: `${what} must be a full URL, for example https://api.example.com` })
      // zod runs these even after .url() failed: an unparseable value is that check's to report.
      .refine(
        (value) => !URL.canParse(value) || /^https?:$/.test(new URL(value).protocol),
        `${what} must start with http:// or https://`,
      )
      .refine((value) => {
        if (!URL.canParse(value)) return true;
        const url = new URL(value);
        return !url.username && !url.password && !url.search && !url.hash;
      }, `${what} must not carry credentials, a query or a fragment`)
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
  );

export const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().default('127.0.0.1'),
    WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    DATA_DIR: z.string().min(1).default('./.made-open'),
    DATABASE_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
        .optional(),
    ),
    PUBLIC_URL: z.preprocess(emptyToUndefined, optionalUrl('PUBLIC_URL')),
    SUPABASE_URL: z.preprocess(emptyToUndefined, optionalUrl('SUPABASE_URL')),
    SUPABASE_ANON_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
    SUPABASE_SERVICE_ROLE_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
    SUPABASE_JWT_SECRET: z.preprocess(
      emptyToUndefined,
      z.string().min(32, 'SUPABASE_JWT_SECRET must be at least 32 characters').optional(),
    ),
    SUPABASE_JWKS_URL: z.preprocess(emptyToUndefined, optionalUrl('SUPABASE_JWKS_URL')),
    NATS_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^(nats|tls|ws|wss):\/\//, 'NATS_URL must look like nats://host:4222')
        .optional(),
    ),
    MEILI_URL: z.preprocess(emptyToUndefined, optionalUrl('MEILI_URL')),
    MEILI_MASTER_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
    OPENROUTER_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
    MADE_OPEN_MASTER_KEY: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9+/=_-]{43,}$/, 'MADE_OPEN_MASTER_KEY must be 32 random bytes in base64')
        .optional(),
    ),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CORS_ORIGINS: z.preprocess(emptyToUndefined, z.string().optional()),
    TRUST_PROXY: trustProxySchema,
    /** Lifetime of hub-issued access tokens (GoTrue's JWT_EXP). */
    AUTH_JWT_EXPIRY_SECONDS: z.preprocess(
      emptyToUndefined,
      z.coerce
        .number()
        .int()
        .min(60, 'AUTH_JWT_EXPIRY_SECONDS must be at least 60')
        .max(604_800, 'AUTH_JWT_EXPIRY_SECONDS must be at most 604800 (a week)')
        .default(3600),
    ),
    /** Shortest password accepted at sign-up and change (GoTrue's PASSWORD_MIN_LENGTH; its default is 6). */
    AUTH_PASSWORD_MIN_LENGTH: z.preprocess(
      emptyToUndefined,
      z.coerce
        .number()
        .int()
        .min(6, 'AUTH_PASSWORD_MIN_LENGTH must be at least 6')
        .max(128, 'AUTH_PASSWORD_MIN_LENGTH must be at most 128')
        .default(8),
    ),
    /**
     * How long a spent refresh token still refreshes (GoTrue's REFRESH_TOKEN_REUSE_INTERVAL,
     * 10 s by default): parallel requests of one browser refresh with the same token at once.
     * After it, a spent token presented again ends the session. 0 allows no reuse at all.
     */
    AUTH_REFRESH_TOKEN_REUSE_INTERVAL_SECONDS: z.preprocess(
      emptyToUndefined,
      z.coerce
        .number()
        .int()
        .min(0, 'AUTH_REFRESH_TOKEN_REUSE_INTERVAL_SECONDS must be 0 or more')
        .max(300, 'AUTH_REFRESH_TOKEN_REUSE_INTERVAL_SECONDS must be at most 300 (five minutes)')
        .default(10),
    ),
    /** Sign-ups per client IP per hour at POST /auth/v1/signup. */
    AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(30)),
    /** Sign-ins and refreshes per client IP per minute at POST /auth/v1/token. */
    AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(30)),
    /** Mails asked for (recover, resend, otp) per client IP per hour (GoTrue's RATE_LIMIT_EMAIL_SENT). */
    AUTH_RATE_LIMIT_EMAIL_PER_HOUR: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(30)),
    /** Link and code checks (/verify) per client IP per hour (GoTrue's RATE_LIMIT_VERIFY default). */
    AUTH_RATE_LIMIT_VERIFY_PER_HOUR: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(360)),
    /** How long a mailed link or code works (GoTrue's MAILER_OTP_EXP; Supabase projects default to 3600). */
    AUTH_MAILER_OTP_EXPIRY_SECONDS: z.preprocess(
      emptyToUndefined,
      z.coerce.number().int().min(60).max(86_400).default(3600),
    ),
    /** false: sign-up mails a confirmation link and signs in only once it is followed (GoTrue's MAILER_AUTOCONFIRM). */
    AUTH_MAILER_AUTOCONFIRM: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('true')),
    /** Event-triggered runs one plugin installation may start at once, then per second (past it: refused). */
    PLUGINS_EVENT_BURST: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(1_000)),
    PLUGINS_EVENT_RATE_PER_SECOND: z.preprocess(emptyToUndefined, z.coerce.number().min(0.01).default(50)),
    /** Memory all plugin isolates together may be given (MB); unset: a quarter of the machine's. */
    PLUGINS_MEMORY_BUDGET_MB: z.preprocess(emptyToUndefined, z.coerce.number().int().min(64).optional()),
    /** Where storage objects live: files under DATA_DIR/storage, or an S3-compatible bucket. */
    STORAGE_BACKEND: z.preprocess(
      emptyToUndefined,
      z.enum(['fs', 's3'], { message: 'STORAGE_BACKEND must be fs or s3' }).default('fs'),
    ),
    /** Largest object the hub accepts, whatever the bucket allows (bytes; default 5 GiB). */
    STORAGE_MAX_FILE_SIZE: z.preprocess(
      emptyToUndefined,
      z.coerce
        .number()
        .int()
        .min(1)
        .default(5 * 1024 ** 3),
    ),
    S3_ENDPOINT: z.preprocess(emptyToUndefined, optionalUrl('S3_ENDPOINT')),
    S3_BUCKET: z.preprocess(emptyToUndefined, z.string().optional()),
    S3_REGION: z.preprocess(emptyToUndefined, z.string().default('us-east-1')),
    S3_ACCESS_KEY_ID: z.preprocess(emptyToUndefined, z.string().optional()),
    S3_SECRET_ACCESS_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  })
  .superRefine((e, ctx) => {
    if (e.STORAGE_BACKEND === 's3' && !e.S3_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'S3_BUCKET is required when STORAGE_BACKEND=s3' });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  webPort: number;
  dataDir: string;
  /** Absent: embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  publicUrl: string;
  supabase: {
    url: string | undefined;
    jwtSecret: string | undefined;
    jwksUrl: string | undefined;
  };
  natsUrl: string | undefined;
  meili: { url: string; masterKey: string | undefined } | undefined;
  openrouterApiKey: string | undefined;
  masterKey: string | undefined;
  /** Overridden provider base URLs (see the provider block above loadConfig). */
  providerUrls: ProviderUrls;
  /** Origins the outbound client may reach on a private address (set base URLs, local services). */
  trustedOrigins: string[];
  logLevel: Env['LOG_LEVEL'];
  corsOrigins: string[];
  /** Fastify's trustProxy (TRUST_PROXY): whose X-Forwarded-For names the client; false: nobody's. */
  trustProxy: boolean | number | string[];
  auth: {
    jwtExpirySeconds: number;
    refreshTokenReuseSeconds: number;
    passwordMinLength: number;
    rateLimit: { signupPerHour: number; tokenPerMinute: number; emailPerHour: number; verifyPerHour: number };
    /** Mailed links and codes: lifetime, and whether sign-up skips the confirmation mail. */
    mailer: { otpExpirySeconds: number; autoconfirm: boolean };
  };
  plugins: {
    /** Per installation: event-triggered runs at once, then per second. */
    eventRate: { burst: number; perSecond: number };
    /** Undefined: the runtime's default share of the machine's memory. */
    memoryBudgetMb: number | undefined;
  };
  storage: {
    backend: 'fs' | 's3';
    maxFileSize: number;
    /** Set when backend is s3. Credentials absent: the SDK's default chain. */
    s3:
      | {
          endpoint: string | undefined;
          bucket: string;
          region: string;
          accessKeyId: string | undefined;
          secretAccessKey: string | undefined;
        }
      | undefined;
  };
}

// ---- Provider base URLs -------------------------------------------------------------------
// Each provider declares its API base URLs and the variable that overrides each
// (TWILIO_API_URL, MSGRAPH_API_URL, MSGRAPH_LOGIN_URL, OPENROUTER_URL, OLLAMA_URL; see
// packages/shared/src/providers). Read from the registry, so a new provider needs no change
// here. Unset: the provider's real endpoint. Set: a stand-in or an air-gapped mirror.

/** Config variable -> base URL, for the variables that are set. */
export type ProviderUrls = Readonly<Record<string, string>>;

function parseProviderUrls(env: Record<string, string | undefined>, problems: string[]): ProviderUrls {
  const urls: Record<string, string> = {};
  for (const provider of providerRegistry.list()) {
    for (const endpoint of Object.values(provider.endpoints)) {
      const raw = emptyToUndefined(env[endpoint.env]);
      if (raw === undefined) continue;
      const parsed = apiBaseUrl(endpoint.env).safeParse(raw);
      if (parsed.success && parsed.data) urls[endpoint.env] = parsed.data;
      else if (!parsed.success) problems.push(`${endpoint.env}: ${parsed.error.issues[0]?.message ?? 'not a URL'}`);
    }
  }
  return urls;
}

/**
 * Origins the outbound client may reach on a private address: every base URL the operator
 * set, and the default of a provider that is a local service by nature (its default is on
 * loopback, as Ollama's is).
 */
function trustedOriginsOf(urls: ProviderUrls): string[] {
  const origins = Object.values(urls).map((url) => new URL(url).origin);
  for (const provider of providerRegistry.list())
    for (const endpoint of Object.values(provider.endpoints)) {
      const { hostname, origin } = new URL(endpoint.url);
      if (urls[endpoint.env] === undefined && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname))
        origins.push(origin);
    }
  return [...new Set(origins)];
}
// ---- end of provider base URLs ---------------------------------------------------------------

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (process.env in main.ts, a literal object in tests). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`);
  const providerUrls = parseProviderUrls(env, problems);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    webPort: e.WEB_PORT,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    publicUrl: e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? '127.0.0.1' : e.HOST}:${e.PORT}`,
    supabase: {
      url: e.SUPABASE_URL,
      jwtSecret: e.SUPABASE_JWT_SECRET,
      jwksUrl: e.SUPABASE_JWKS_URL,
    },
    natsUrl: e.NATS_URL,
    meili: e.MEILI_URL ? { url: e.MEILI_URL, masterKey: e.MEILI_MASTER_KEY } : undefined,
    openrouterApiKey: e.OPENROUTER_API_KEY,
    masterKey: e.MADE_OPEN_MASTER_KEY,
    providerUrls,
    trustedOrigins: trustedOriginsOf(providerUrls),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    corsOrigins: (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    auth: {
      jwtExpirySeconds: e.AUTH_JWT_EXPIRY_SECONDS,
      refreshTokenReuseSeconds: e.AUTH_REFRESH_TOKEN_REUSE_INTERVAL_SECONDS,
      passwordMinLength: e.AUTH_PASSWORD_MIN_LENGTH,
      rateLimit: {
        signupPerHour: e.AUTH_RATE_LIMIT_SIGNUP_PER_HOUR,
        tokenPerMinute: e.AUTH_RATE_LIMIT_TOKEN_PER_MINUTE,
        emailPerHour: e.AUTH_RATE_LIMIT_EMAIL_PER_HOUR,
        verifyPerHour: e.AUTH_RATE_LIMIT_VERIFY_PER_HOUR,
      },
      mailer: {
        otpExpirySeconds: e.AUTH_MAILER_OTP_EXPIRY_SECONDS,
        autoconfirm: e.AUTH_MAILER_AUTOCONFIRM === 'true',
      },
    },
    plugins: {
      eventRate: { burst: e.PLUGINS_EVENT_BURST, perSecond: e.PLUGINS_EVENT_RATE_PER_SECOND },
      memoryBudgetMb: e.PLUGINS_MEMORY_BUDGET_MB,
    },
    storage: {
      backend: e.STORAGE_BACKEND,
      maxFileSize: e.STORAGE_MAX_FILE_SIZE,
      s3:
        e.STORAGE_BACKEND === 's3'
          ? {
              endpoint: e.S3_ENDPOINT,
              bucket: e.S3_BUCKET!,
              region: e.S3_REGION,
              accessKeyId: e.S3_ACCESS_KEY_ID,
              secretAccessKey: e.S3_SECRET_ACCESS_KEY,
            }
          : undefined,
    },
  };
}

import type { z } from 'zod';

/**
 * What Made Open knows about one provider (Twilio, Microsoft, ...), in one place: the wallet,
 * the capabilities, the plugin host and the web forms all read it. Pure data and pure
 * functions: the hub does the I/O (packages/shared has none).
 */

/** A credential's secret as stored: field name -> value. */
export type SecretValues = Record<string, unknown>;

/** How one field of the secret is asked for, shown and handled. */
export interface ProviderField {
  name: string;
  label: string;
  /**
   * text / url: one line (url is an address); secret: a password input, never shown again;
   * record: rows of name -> secret value (headers, query values); hosts: host names, one per line.
   */
  kind: 'text' | 'url' | 'secret' | 'record' | 'hosts';
  hint?: string;
  placeholder?: string;
  /**
   * Identifies rather than authorises (a Twilio Account SID): shown masked and copied to
   * plugins in clear, so the hub refuses a value that smuggles a secret in.
   */
  public?: boolean;
  /** The label of this field's masked hint on a credential card (public, record and hosts fields). */
  hintLabel?: string;
  /** record fields: what one row is called, the rule for its name, and the form's texts. */
  rows?: {
    noun: string;
    /** The secret values behind the names, as a card labels them. */
    valuesLabel: string;
    description: string;
    keyPattern: RegExp;
    keyRule: string;
    keyPlaceholder: string;
  };
}

/** Where a secret goes in a request. Field names refer to the provider's fields. */
export type SecretPlacement =
  | { as: 'basic'; user: string; password: string }
  | { as: 'bearer'; token: string }
  | { as: 'header'; name: string; value: string }
  | { as: 'header'; record: string }
  | { as: 'query'; name: string; value: string }
  | { as: 'query'; record: string };

export type PlacementKind = SecretPlacement['as'];

/** A provider's API base URL, and the configuration variable that overrides it (stand-ins, air gaps). */
export interface ProviderEndpoint {
  url: string;
  env: string;
}

export interface ProviderCapability {
  name: string;
  label: string;
  description: string;
  /**
   * Set when a tested credential is not enough: what must also be connected, as a phrase
   * ("a connected number"). The capability stays off until a connection is configured.
   */
  needsConnection?: string;
}

export type TestDetails = Record<string, string | number | boolean | null>;

/** What a test's answer means, for the person and for the capabilities. */
export interface TestVerdict {
  ok: boolean;
  message: string;
  details?: TestDetails;
}

/**
 * A credential test, declared: one request against a base URL, and how to read the answer.
 * `{field}` in path and form is replaced by that field of the secret (URL-encoded in the path).
 */
export interface ProviderTest {
  /** One of the provider's endpoints, or a field of the secret that holds the base URL (Ollama). */
  base: { endpoint: string } | { field: string };
  method: 'GET' | 'POST';
  path: string;
  /** How the secret is attached to the request, if it is. */
  auth?: SecretPlacement;
  /** An application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
  /** Reads a JSON answer (an empty object when it was not JSON). Never echo a secret. */
  read(answer: { status: number; body: Record<string, unknown> }): TestVerdict;
}

export interface ProviderDefinition {
  /** Lowercase, stored with each credential and used in permissions (credentials:<id>). */
  id: string;
  /** The form and everywhere else the provider is named. */
  label: string;
  /** The provider as a noun with its article: "Needs a Twilio credential." */
  noun: string;
  description: string;
  /** Where to find the values, shown above the form's fields. */
  where: string;
  /** An example credential name (the Name field's placeholder). */
  example: string;
  fields: readonly ProviderField[];
  /** Validates the secret as the user submits it; its messages say how to fix each field. */
  secret: z.ZodType<SecretValues>;
  /** Where the secret belongs, said when a public field is refused for carrying one. */
  secretHome: string;
  endpoints: Readonly<Record<string, ProviderEndpoint>>;
  /** The hosts the secret may be sent to and how; the first placement is the default. */
  send: { hosts: readonly string[] | { field: string }; via: readonly SecretPlacement[] };
  capabilities: readonly ProviderCapability[];
  /** How to test a credential, or why it cannot be tested. */
  test: ProviderTest | { unavailable: string };
}

/** Identity function that type-checks a provider definition where it is written. */
export function defineProvider<const P extends ProviderDefinition>(provider: P): P {
  return provider;
}

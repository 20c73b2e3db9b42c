import { z } from 'zod';
import {
  capabilityNameSchema,
  credentialTypeSchema,
  type CapabilityName,
  type CredentialType,
} from '@made-open/shared/wallet-events';
import { capabilitySchema } from '@made-open/shared/wallet-api';
import { providerRegistry, type ProviderRegistry, type SecretValues } from '@made-open/shared/providers';

/**
 * What the wallet accepts and answers. Each provider's secret schema, public fields, hosts
 * and capabilities live in packages/shared/src/providers; nothing here is per provider.
 */
export { credentialTypeSchema, capabilityNameSchema, type CredentialType, type CapabilityName };

const credentialName = z.string().trim().min(1).max(200);

export interface CredentialInput {
  type: CredentialType;
  name: string;
  secret: SecretValues;
}

/**
 * POST/PUT body: one branch per registered provider, so OpenAPI documents each secret.
 * Built when the routes are, from the providers registered by then.
 */
export function credentialInputSchema(registry: ProviderRegistry = providerRegistry): z.ZodType<CredentialInput> {
  const branches = registry
    .list()
    .map((p) => z.object({ type: z.literal(p.id), name: credentialName, secret: p.secret }));
  const [first, ...rest] = branches;
  if (!first) throw new Error('No provider is registered.');
  return z.discriminatedUnion('type', [first, ...rest]);
}

export { credentialViewSchema, type CredentialView } from '@made-open/shared/wallet-api';
export {
  credentialTestResultSchema as testResultSchema,
  type CredentialTestResult as TestResult,
} from '@made-open/shared/wallet-api';

export const capabilitiesViewSchema = z.object({ capabilities: z.array(capabilitySchema) });

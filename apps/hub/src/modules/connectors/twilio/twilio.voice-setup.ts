import { z } from 'zod';
import type { WalletService } from '../../wallet/index.ts';
import type { ConnectContext } from '../connectors.contract.ts';
import type { TwilioRest } from './twilio.rest.ts';

/** What connect sets on the number for calls (restored on disconnect if still there). */
export const voiceSetSchema = z.object({
  voiceUrl: z.string(),
  voiceMethod: z.string(),
  statusCallback: z.string(),
  statusCallbackMethod: z.string(),
});
export const voiceReplacedSchema = z.object({
  voiceUrl: z.string().nullable(),
  voiceMethod: z.string().nullable(),
  statusCallback: z.string().nullable(),
  statusCallbackMethod: z.string().nullable(),
});

type NumberLike = {
  phoneNumber: string;
  voiceUrl?: string | null;
  voiceMethod?: string | null;
  statusCallback?: string | null;
  statusCallbackMethod?: string | null;
};

/**
 * The credential's API Key (it signs the browsers' Access Tokens), created through the REST
 * API when it has none and sealed into the credential in the wallet: its secret is shown by
 * Twilio once and never leaves the hub. Answers the key's SID.
 */
export async function ensureApiKey(
  ownerId: string,
  credential: { id: string; secret: Record<string, unknown> },
  rest: TwilioRest,
  wallet: Pick<WalletService, 'addSecretFields'>,
): Promise<{ apiKeySid: string; apiKeySecret: string }> {
  const { apiKeySid, apiKeySecret } = credential.secret;
  if (typeof apiKeySid === 'string' && typeof apiKeySecret === 'string') return { apiKeySid, apiKeySecret };
  const key = await rest.newKeys.create({ friendlyName: 'Made Open hub (browser calls)' });
  const stored = await wallet.addSecretFields(ownerId, credential.id, {
    apiKeySid: key.sid,
    apiKeySecret: key.secret,
  });
  // Another connect may have sealed its key first: that one is used, this one is removed.
  if (stored && stored.apiKeySid !== key.sid)
    await rest
      .keys(key.sid)
      .remove()
      .catch(() => undefined);
  return {
    apiKeySid: String(stored?.apiKeySid ?? key.sid),
    apiKeySecret: String(stored?.apiKeySecret ?? key.secret),
  };
}

/** The API Key and a TwiML App whose Voice URL is this connection's voice-outgoing webhook. */
export async function connectVoice(
  ctx: ConnectContext<{ phoneNumber: string }>,
  rest: TwilioRest,
  wallet: Pick<WalletService, 'addSecretFields'>,
  number: NumberLike,
) {
  const { apiKeySid } = await ensureApiKey(ctx.ownerId, ctx.credential, rest, wallet);
  const application = await rest.applications.create({
    friendlyName: `Made Open ${number.phoneNumber}`.slice(0, 64),
    voiceUrl: ctx.webhookUrl('voice-outgoing'),
    voiceMethod: 'POST',
    statusCallback: ctx.webhookUrl('voice-status'),
    statusCallbackMethod: 'POST',
  });
  return {
    apiKeySid,
    applicationSid: application.sid,
    set: {
      voiceUrl: ctx.webhookUrl('voice-incoming'),
      voiceMethod: 'POST',
      statusCallback: ctx.webhookUrl('voice-status'),
      statusCallbackMethod: 'POST',
    },
    replaced: {
      voiceUrl: number.voiceUrl ?? null,
      voiceMethod: number.voiceMethod ?? null,
      statusCallback: number.statusCallback ?? null,
      statusCallbackMethod: number.statusCallbackMethod ?? null,
    },
  };
}

/** The number's voice settings to put back: only those still as connect set them. */
export function disconnectVoice(
  state: { set: Partial<z.infer<typeof voiceSetSchema>>; replaced: Partial<z.infer<typeof voiceReplacedSchema>> },
  number: NumberLike,
): Record<string, string> {
  const restore: Record<string, string> = {};
  if (state.set.voiceUrl !== undefined && number.voiceUrl === state.set.voiceUrl) {
    restore.voiceUrl = state.replaced.voiceUrl ?? '';
    restore.voiceMethod = state.replaced.voiceMethod ?? 'POST';
  }
  if (state.set.statusCallback !== undefined && number.statusCallback === state.set.statusCallback) {
    restore.statusCallback = state.replaced.statusCallback ?? '';
    restore.statusCallbackMethod = state.replaced.statusCallbackMethod ?? 'POST';
  }
  return restore;
}

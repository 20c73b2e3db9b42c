import { providerRegistry } from '@made-open/shared/providers';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ProviderUrls } from '../../../platform/config.ts';
import { NotFoundError, UserError, ValidationError } from '../../../platform/errors.ts';
import { requireUser } from '../../../platform/http/authentication.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { WalletService } from '../../wallet/index.ts';
import { providerApi } from '../connectors.provider-api.ts';
import { a2pWarningFor } from './twilio.errors.ts';
import { twilioDownError, twilioErrorOf, twilioRest } from './twilio.rest.ts';
import { publicUrlReachability } from './twilio.setup.ts';

export interface TwilioRoutesDeps {
  publicUrl: string | undefined;
  urls: ProviderUrls;
  outbound: OutboundClient;
  wallet: Pick<WalletService, 'describe' | 'unseal'>;
}

const numberView = z.object({
  sid: z.string(),
  phoneNumber: z.string(),
  friendlyName: z.string(),
  smsUrl: z.string().nullable(),
  capabilities: z.object({ sms: z.boolean(), mms: z.boolean(), voice: z.boolean() }),
  warning: z.string().nullable(),
});

/** GET /api/v1/connections/twilio/numbers: the account's numbers to pick from, and whether Twilio can reach the hub. */
export function twilioRoutes(deps: TwilioRoutesDeps) {
  const provider = providerRegistry.get('twilio')!;
  const publicUrl = deps.publicUrl?.replace(/\/+$/, '');
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/connections/twilio/numbers',
      {
        schema: {
          tags: ['connections'],
          summary: "A Twilio credential's numbers, the webhook URLs connect sets, and whether PUBLIC_URL is reachable",
          querystring: z.strictObject({ credentialId: z.string().uuid() }),
          response: {
            200: z.object({
              numbers: z.array(numberView),
              publicUrl: z.object({
                url: z.string().nullable(),
                reachable: z.boolean(),
                reason: z.string().nullable(),
              }),
              webhooks: z.object({ sms: z.string(), smsStatus: z.string() }),
            }),
          },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        const described = await deps.wallet.describe(user.id, request.query.credentialId);
        if (!described) throw new NotFoundError('credential');
        if (described.type !== 'twilio') throw new ValidationError('That credential is not a Twilio credential.');
        const credential = await deps.wallet.unseal(user.id, described.id);
        if (!credential) throw new NotFoundError('credential');
        const api = providerApi({
          provider,
          secret: credential.secret,
          outbound: deps.outbound,
          urls: deps.urls,
          connectionId: credential.id,
        });
        const numbers = await twilioRest(api, String(credential.secret.accountSid))
          .incomingPhoneNumbers.list({ limit: 200 })
          .catch((error: unknown) => {
            const twilioError = twilioErrorOf(error);
            if (twilioError && (twilioError.status === 401 || twilioError.status === 403))
              throw new UserError(
                422,
                'credential_refused',
                'Twilio refused this credential: test it in the wallet and replace it.',
              );
            // Twilio down or unreachable: not the hub's fault, and not the user's input either.
            const down = twilioDownError(error);
            if (down) throw down;
            if (twilioError)
              throw new UserError(
                502,
                'provider_error',
                `Twilio refused to list the numbers (HTTP ${twilioError.status}: ${twilioError.message}).`,
              );
            throw error;
          });
        const base = `${publicUrl ?? ''}/webhooks/twilio/<connectionId>`;
        return {
          numbers: numbers.map((number) => ({
            sid: number.sid,
            phoneNumber: number.phoneNumber,
            friendlyName: number.friendlyName,
            smsUrl: number.smsUrl ?? null,
            capabilities: {
              sms: Boolean(number.capabilities?.sms),
              mms: Boolean(number.capabilities?.mms),
              voice: Boolean(number.capabilities?.voice),
            },
            warning: a2pWarningFor(number.phoneNumber),
          })),
          publicUrl: { url: publicUrl ?? null, ...publicUrlReachability(publicUrl) },
          webhooks: { sms: `${base}/sms`, smsStatus: `${base}/sms-status` },
        };
      },
    );
  };
}

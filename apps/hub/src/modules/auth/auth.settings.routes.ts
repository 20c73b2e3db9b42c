import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { accountSettingsSchema, accountSettingsUpdateSchema } from '@made-open/shared/settings-api';
import { requireUser } from '../../platform/http/authentication.ts';
import type { SettingsService } from './auth.settings.service.ts';

const tags = ['settings'];

/** /api/v1/settings: the platform's error shape (this scope is not GoTrue's). */
export function settingsRoutes(service: SettingsService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/settings',
      {
        schema: {
          tags,
          summary: "The signed-in account's settings (and, for the hub's owner, whether sign-up is open)",
          response: { 200: accountSettingsSchema },
        },
      },
      async (request) => service.get(await requireUser(request)),
    );
    app.patch(
      '/api/v1/settings',
      {
        schema: {
          tags,
          summary: 'Change the default region for phone numbers, or (the hub owner only) open or close sign-up',
          description:
            'defaultRegion (like GB or US; null clears it) is used for numbers written without a country code. ' +
            "signUpOpen is refused with 403 not_hub_owner for anyone but the hub's first account; then nothing changes.",
          body: accountSettingsUpdateSchema,
          response: { 200: accountSettingsSchema },
        },
      },
      async (request) => service.update(await requireUser(request), request.body),
    );
  };
}

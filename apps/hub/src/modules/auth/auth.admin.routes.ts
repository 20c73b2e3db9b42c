import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bearerToken, type TokenVerifier } from '../../platform/http/authentication.ts';
import type { AdminService } from './auth.admin.service.ts';
import { generatedLinkTypes, type EmailService } from './auth.email.service.ts';
import { goTrue } from './auth.errors.ts';
import { errorResponses, metadataInput, userSchema } from './auth.schemas.ts';
import { maximumPasswordLength } from './auth.passwords.ts';

const tags = ['auth'];
const adminNote =
  ' Needs the service_role key (DATA_DIR/service-role-key) as the Bearer token: a user token is 403 not_admin. GoTrue-compatible (supabase-js auth.admin).';

const userAttributes = z.object({
  email: z.string().max(255).optional(),
  password: z.string().max(maximumPasswordLength).optional(),
  email_confirm: z.boolean().optional().describe('true: the email counts as confirmed (sign-in needs it)'),
  user_metadata: metadataInput.nullish(),
  app_metadata: metadataInput.nullish(),
  ban_duration: z.string().max(40).optional().describe('"none" or a Go duration like "24h"; a ban ends every session'),
});
const userParams = z.object({ id: z.string().max(64) });
// auth-js sends page= and per_page= empty when not given.
function pageNumber(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) {
    throw goTrue.validation(`Bad Pagination Parameters: ${name} must be a whole number from 1 to ${max}`);
  }
  return n;
}
const generateLinkBody = z.object({
  type: z.string().max(40),
  email: z.string().min(1).max(255),
  password: z.string().max(maximumPasswordLength).optional(),
  data: metadataInput.nullish(),
});
const linkFields = z.object({
  action_link: z.string(),
  email_otp: z.string(),
  hashed_token: z.string(),
  verification_type: z.string(),
  redirect_to: z.string(),
});
const listQuery = z.object({ page: z.string().max(12).optional(), per_page: z.string().max(12).optional() });

/**
 * The admin API subset at /auth/v1/admin/users (GoTrue's shapes: paged list with
 * X-Total-Count and Link headers, get, create, update, delete), for the service_role key.
 */
export function adminRoutes(deps: { admin: AdminService; email: EmailService; verifier: TokenVerifier }) {
  const { admin, email, verifier } = deps;

  /** GoTrue's requireAdmin: the service_role key passes; a user's token or the anon key is 403 not_admin. */
  async function requireServiceRole(request: FastifyRequest): Promise<void> {
    const token = bearerToken(request);
    if (token === undefined) throw goTrue.noAuthorization();
    if (await verifier.isServiceRoleKey?.(token)) return;
    await verifier.verify(token); // a bad token answers as a bad token (403 bad_jwt)
    throw goTrue.notAdmin();
  }

  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.addHook('onRequest', async (request) => requireServiceRole(request));

    app.get(
      '/admin/users',
      {
        schema: {
          tags,
          summary: 'List users, newest first, a page at a time',
          description: `page (from 1) and per_page (default 50, at most 1000); X-Total-Count and a Link header (rel next, last) as GoTrue sends them.${adminNote}`,
          querystring: listQuery,
          response: { 200: z.object({ users: z.array(userSchema), aud: z.string() }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const page = pageNumber('page', request.query.page, 1, 1_000_000);
        const perPage = pageNumber('per_page', request.query.per_page, 50, 1000);
        const { users, total } = await admin.list(page, perPage);
        const lastPage = Math.max(1, Math.ceil(total / perPage));
        const link = (p: number) => `</auth/v1/admin/users?page=${p}&per_page=${perPage}>`;
        const links = [...(lastPage > page ? [`${link(page + 1)}; rel="next"`] : []), `${link(lastPage)}; rel="last"`];
        reply.header('x-total-count', String(total)).header('link', links.join(', '));
        return { users, aud: 'authenticated' };
      },
    );

    app.post(
      '/admin/users',
      {
        schema: {
          tags,
          summary: 'Create a user',
          description: `Without a password the user gets a random one. The email counts as confirmed only with email_confirm: true. Sign-up being closed does not stop the admin.${adminNote}`,
          body: userAttributes,
          response: { 200: userSchema, ...errorResponses },
        },
      },
      async (request) => admin.create(request.body),
    );

    app.post(
      '/admin/generate_link',
      {
        schema: {
          tags,
          summary: 'Make a sign-up, magic-link or recovery link and code without mailing it',
          description:
            `GoTrue's generate_link: the user's fields plus action_link, email_otp, hashed_token, verification_type and redirect_to (supabase-js auth.admin.generateLink). ` +
            `signup creates the account (unconfirmed) with the password given; magiclink creates one without a password when the address has none; recovery needs an account (404 user_not_found). ` +
            `The link works once, for AUTH_MAILER_OTP_EXPIRY_SECONDS, and replaces an earlier one of its kind. invite and email_change are not offered (422). No email sender is needed.${adminNote}`,
          body: generateLinkBody,
          querystring: z.object({ redirect_to: z.string().max(2048).optional() }),
          response: { 200: userSchema.and(linkFields), ...errorResponses },
        },
      },
      async (request) => {
        const { type, email: address, password, data } = request.body;
        if (!(generatedLinkTypes as readonly string[]).includes(type))
          throw goTrue.validation(
            `generate_link makes ${generatedLinkTypes.join(', ')} links on this hub, not ${type.slice(0, 40)}.`,
          );
        const linkType = type as (typeof generatedLinkTypes)[number];
        if (linkType === 'signup') {
          if (!password) throw goTrue.validation('A signup link needs a password for the new account.');
          await admin.create({ email: address, password, user_metadata: data ?? null });
        }
        return email.generateLink({ type: linkType, email: address, data }, request.query.redirect_to);
      },
    );

    app.get(
      '/admin/users/:id',
      {
        schema: {
          tags,
          summary: 'Get a user',
          description: adminNote.trim(),
          params: userParams,
          response: { 200: userSchema, ...errorResponses },
        },
      },
      async (request) => admin.get(request.params.id),
    );

    app.put(
      '/admin/users/:id',
      {
        schema: {
          tags,
          summary: "Change a user's email, password, metadata, confirmation or ban",
          description: `Metadata is merged. No current password is needed.${adminNote}`,
          params: userParams,
          body: userAttributes,
          response: { 200: userSchema, ...errorResponses },
        },
      },
      async (request) => admin.update(request.params.id, request.body),
    );

    app.delete(
      '/admin/users/:id',
      {
        schema: {
          tags,
          summary: 'Delete a user',
          description: `Ends their sessions. should_soft_delete: true keeps the row marked deleted (GoTrue's soft delete, email freed); otherwise the user and everything they own in the database is deleted.${adminNote}`,
          params: userParams,
          body: z.object({ should_soft_delete: z.boolean().optional() }).nullish(),
          response: { 200: z.object({}), ...errorResponses },
        },
      },
      async (request) => {
        await admin.remove(request.params.id, request.body?.should_soft_delete === true);
        return {};
      },
    );
  };
}

import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { uuidSchema } from '@made-open/shared';
import { UserError } from '../../platform/errors.ts';
import { requireUser } from '../../platform/http/authentication.ts';
import { errorResponses } from '../graph/graph.schemas.ts';
import { DavError } from './dav.errors.ts';
import { appPasswordCreateSchema, appPasswordSchema, type AppPasswords, type DavPrincipal } from './dav.passwords.ts';
import {
  davRoot,
  hrefs,
  maxResourceBytes,
  propfind,
  proppatch,
  report,
  resolvePath,
  type DavNode,
} from './dav.protocol.ts';
import { contentTypeOf, renderMember, type DavService } from './dav.service.ts';
import type { VCardVersion } from './dav.vcard.ts';
import { el, ns, parseXml, renderXml, XmlError, type XmlElement } from './dav.xml.ts';

export interface DavRouteDeps {
  service: DavService;
  passwords: AppPasswords;
  /** The hub's public address: the DAV address shown in settings. */
  publicUrl: string;
}

/** Largest XML request body (a multiget of a few thousand hrefs fits). */
const maxXmlBytes = 1024 * 1024;
const methods = ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', 'PROPFIND', 'PROPPATCH', 'REPORT'] as const;
const davHeader = '1, 3, addressbook, calendar-access';
const realm = 'Basic realm="Made Open DAV", charset="UTF-8"';
const tags = ['dav'];
/** @fastify/cors reads this route config: DAV routes are not answered as CORS preflights. */
const noCors = { cors: false } as unknown as FastifyContextConfig;

/** HTTP Basic credentials, or null when the header is missing or not Basic. */
function basicCredentials(request: FastifyRequest): { email: string; password: string } | null {
  const header = request.headers.authorization;
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim()) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return null;
  return { email: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `text/vcard; version=4.0` in Accept asks for 4.0; 3.0 otherwise (what RFC 6352 requires everyone to read). */
const vcardVersionOf = (request: FastifyRequest): VCardVersion =>
  /version\s*=\s*"?4\.0/i.test(String(request.headers.accept ?? '')) ? '4.0' : '3.0';

function xmlBody(request: FastifyRequest): XmlElement | undefined {
  const body = typeof request.body === 'string' ? request.body : '';
  if (body.trim() === '') return undefined;
  try {
    return parseXml(body);
  } catch (error) {
    if (error instanceof XmlError) throw new DavError(400, error.message);
    throw error;
  }
}

function errorXml(error: DavError): string {
  const children = [];
  if (error.detail.precondition) children.push(el(error.detail.ns ?? ns.dav, error.detail.precondition));
  children.push(el('http://made-open.dev/ns', 'message', error.message));
  return renderXml(el(ns.dav, 'error', children));
}

/** /.well-known/carddav|caldav, /dav/* (Basic with an app password) and the app-password API. */
export function davRoutes(deps: DavRouteDeps) {
  const { service, passwords } = deps;
  const base = deps.publicUrl.replace(/\/+$/, '');

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<DavPrincipal | null> {
    const credentials = basicCredentials(request);
    const user = credentials ? await passwords.authenticate(credentials.email, credentials.password) : null;
    if (!user) {
      reply
        .status(401)
        .header('www-authenticate', realm)
        .type('text/plain; charset=utf-8')
        .send(
          credentials
            ? 'The email or app password is wrong (or the app password was revoked). Make one in Settings → Phone sync.'
            : 'Sign in with your account email and an app password (Settings → Phone sync).',
        );
      return null;
    }
    return user;
  }

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    reply.header('dav', davHeader);
    if (request.method === 'OPTIONS') {
      return reply.status(200).header('allow', methods.join(', ')).send();
    }
    const user = await authenticate(request, reply);
    if (!user) return reply;
    const pathname = new URL(request.url, 'http://dav.invalid').pathname.replace(/\/{2,}/g, '/');
    const node = resolvePath(pathname, user);
    if (!node) throw new DavError(404, 'Nothing here (or it belongs to another account).');
    switch (request.method) {
      case 'PROPFIND': {
        const depth = String(request.headers.depth ?? 'infinity').toLowerCase();
        if (depth !== '0' && depth !== '1')
          throw new DavError(403, 'Depth: infinity is not offered: ask with Depth 0 or 1.', {
            precondition: 'propfind-finite-depth',
          });
        const xml = await propfind({ service }, user, node, depth, xmlBody(request), vcardVersionOf(request));
        return reply.status(207).type('application/xml; charset=utf-8').send(xml);
      }
      case 'REPORT': {
        const body = xmlBody(request);
        if (!body) throw new DavError(400, 'A REPORT needs a body.');
        const xml = await report({ service }, user, node, body, vcardVersionOf(request));
        return reply.status(207).type('application/xml; charset=utf-8').send(xml);
      }
      case 'PROPPATCH':
        return reply
          .status(207)
          .type('application/xml; charset=utf-8')
          .send(proppatch(node, user, xmlBody(request)));
      case 'GET':
      case 'HEAD':
        return getMember(node, user, request, reply);
      case 'PUT':
        return putMember(node, user, request, reply);
      case 'DELETE': {
        if (node.kind !== 'member') throw new DavError(403, 'Only single contacts and events can be deleted.');
        await service.remove(user, node.collection, node.name, header(request, 'if-match'));
        return reply.status(204).send();
      }
      default:
        throw new DavError(405, `${request.method} is not offered here.`);
    }
  }

  const header = (request: FastifyRequest, name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };

  async function getMember(node: DavNode, user: DavPrincipal, request: FastifyRequest, reply: FastifyReply) {
    if (node.kind !== 'member') {
      if (node.kind === 'root' || node.kind === 'principal')
        return reply.type('text/plain; charset=utf-8').send('Made Open CardDAV and CalDAV. Use a DAV client.');
      throw new DavError(405, 'Collections are read with PROPFIND or REPORT.');
    }
    const m = await service.get(user, node.collection, node.name);
    if (!m) throw new DavError(404, 'No such resource.');
    const ifNoneMatch = header(request, 'if-none-match');
    if (
      ifNoneMatch &&
      ifNoneMatch
        .split(',')
        .map((t) => t.trim())
        .includes(m.etag)
    ) {
      return reply.status(304).header('etag', m.etag).send();
    }
    const body = renderMember(node.collection, m.row, vcardVersionOf(request));
    reply.header('etag', m.etag).header('last-modified', new Date(m.row.updated_at).toUTCString());
    return reply.type(contentTypeOf[node.collection]).send(request.method === 'HEAD' ? undefined : body);
  }

  async function putMember(node: DavNode, user: DavPrincipal, request: FastifyRequest, reply: FastifyReply) {
    if (node.kind !== 'member') throw new DavError(405, 'PUT a .vcf or .ics resource inside the collection.');
    const type = String(request.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    const accepted = node.collection === 'contacts' ? ['text/vcard', 'text/x-vcard'] : ['text/calendar'];
    if (!accepted.includes(type))
      throw new DavError(415, `This collection takes ${accepted[0]}.`, {
        precondition: node.collection === 'contacts' ? 'supported-address-data' : 'supported-calendar-data',
        ns: node.collection === 'contacts' ? ns.card : ns.cal,
      });
    const body = typeof request.body === 'string' ? request.body : '';
    const result = await service.put(user, node.collection, node.name, body, {
      ifMatch: header(request, 'if-match'),
      ifNoneMatch: header(request, 'if-none-match'),
    });
    // No ETag: the stored form is the hub's rendering, not these bytes (RFC 4791 §5.3.4), so clients fetch it.
    return reply
      .status(result.created ? 201 : 204)
      .header('location', hrefs.member(user.id, node.collection, node.name))
      .send();
  }

  return async function routes(fastify: FastifyInstance) {
    for (const method of ['PROPFIND', 'PROPPATCH', 'REPORT']) {
      if (!fastify.supportedMethods.includes(method)) fastify.addHttpMethod(method, { hasBody: true });
    }
    // Bodies are read as text: XML for PROPFIND/REPORT, vCard and iCalendar for PUT.
    fastify.addContentTypeParser(
      ['text/xml', 'application/xml', 'text/vcard', 'text/x-vcard', 'text/calendar'],
      { parseAs: 'string', bodyLimit: maxResourceBytes },
      (_request, body, done) => done(null, body),
    );
    fastify.addContentTypeParser('*', { parseAs: 'string', bodyLimit: maxXmlBytes }, (request, body, done) => {
      if (!request.url.startsWith(davRoot))
        return done(new UserError(415, 'unsupported_media_type', 'Unsupported media type.'), undefined);
      done(null, body);
    });
    fastify.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      const dav = request.url.startsWith(davRoot);
      if (dav && error instanceof DavError) {
        return reply
          .status(error.status)
          .header('dav', davHeader)
          .type('application/xml; charset=utf-8')
          .send(errorXml(error));
      }
      if (dav && error instanceof UserError) {
        const code = error.status === 409 && error.code === 'version_conflict' ? 412 : error.status;
        return reply.status(code).type('text/plain; charset=utf-8').send(error.message);
      }
      if (dav && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return reply.status(error.statusCode).type('text/plain; charset=utf-8').send(error.message);
      }
      throw error;
    });

    // Discovery (RFC 6764 §5): both answer with the DAV root, where current-user-principal is.
    for (const service of ['carddav', 'caldav']) {
      fastify.route({
        method: [...methods],
        url: `/.well-known/${service}`,
        schema: { hide: true },
        config: noCors,
        handler: (_request, reply) => reply.status(301).header('location', `${davRoot}/`).send(),
      });
    }
    // Phones are not browsers: OPTIONS is DAV's capability probe, not a CORS preflight.
    fastify.route({ method: [...methods], url: davRoot, schema: { hide: true }, config: noCors, handler: handle });
    fastify.route({
      method: [...methods],
      url: `${davRoot}/*`,
      schema: { hide: true },
      config: noCors,
      handler: handle,
    });

    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/dav/app-passwords',
      {
        schema: {
          tags,
          summary: 'Your app passwords for phone sync (CardDAV/CalDAV)',
          response: { 200: z.object({ items: z.array(appPasswordSchema) }), ...errorResponses },
        },
      },
      async (request) => ({ items: await passwords.list(await requireUser(request)) }),
    );
    app.post(
      '/api/v1/dav/app-passwords',
      {
        schema: {
          tags,
          summary: 'Make an app password: shown in this answer only',
          body: appPasswordCreateSchema,
          response: { 201: z.object({ appPassword: appPasswordSchema, password: z.string() }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const made = await passwords.create(await requireUser(request), request.body.name);
        reply.status(201);
        return made;
      },
    );
    app.post(
      '/api/v1/dav/app-passwords/:id/revoke',
      {
        schema: {
          tags,
          summary: 'Revoke an app password: the phone using it is refused from now on',
          params: z.strictObject({ id: uuidSchema }),
          response: { 200: appPasswordSchema, ...errorResponses },
        },
      },
      async (request) => passwords.revoke(await requireUser(request), request.params.id),
    );
    app.get(
      '/api/v1/dav/setup',
      {
        schema: {
          tags,
          summary: 'What to enter on a phone: the server address and user name',
          response: {
            200: z.object({
              serverUrl: z.string(),
              username: z.string(),
              carddavUrl: z.string(),
              caldavUrl: z.string(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        const email = typeof user.claims.email === 'string' ? user.claims.email : '';
        return {
          serverUrl: `${base}${davRoot}/`,
          username: email,
          carddavUrl: `${base}${hrefs.home(user.id, 'contacts')}`,
          caldavUrl: `${base}${hrefs.home(user.id, 'calendar')}`,
        };
      },
    );
  };
}

import { z } from 'zod';
import { defineProvider } from './types.ts';

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HEADER = /^[A-Za-z0-9-]{1,100}$/;
const VALUE_KEY = /^[A-Za-z0-9_.-]{1,100}$/;

const rows = (key: RegExp) =>
  z.record(z.string().regex(key), z.string().max(4000, 'A value is at most 4000 characters.'));

/** Any other HTTP API: headers and query values, sent only to the hosts the user lists. */
export const generic = defineProvider({
  id: 'generic',
  label: 'Other service',
  noun: 'an API key',
  description: 'An API key or token for any other service. Plugins can use it, but only towards the hosts you list.',
  where: 'Add the headers or query values the service expects, and the hosts it may be sent to.',
  example: 'Weather API key',
  fields: [
    {
      name: 'headers',
      label: 'Headers',
      kind: 'record',
      hintLabel: 'Header names',
      rows: {
        noun: 'Header',
        valuesLabel: 'Header values',
        description: 'Sent with each request, for example X-Api-Key or Authorization.',
        keyPattern: HEADER,
        keyRule: 'A header name uses letters, digits and dashes only, like X-Api-Key.',
        keyPlaceholder: 'X-Api-Key',
      },
    },
    {
      name: 'values',
      label: 'Query values',
      kind: 'record',
      hintLabel: 'Query value names',
      rows: {
        noun: 'Query value',
        valuesLabel: 'Query values',
        description: 'Added to the address of each request, for services that take the key as ?api_key=…',
        keyPattern: VALUE_KEY,
        keyRule: 'A name uses letters, digits, dots, dashes and underscores only, like api_key.',
        keyPlaceholder: 'api_key',
      },
    },
    {
      name: 'allowedHosts',
      label: 'Allowed hosts',
      kind: 'hosts',
      hint: 'One per line. The credential is only ever sent to these hosts, like api.example.com.',
      hintLabel: 'Sent only to',
    },
  ],
  secret: z
    .object({
      headers: rows(HEADER).default({}),
      values: rows(VALUE_KEY).default({}),
      allowedHosts: z
        .array(z.string().trim().toLowerCase())
        .min(1, 'List at least one host this credential may be sent to, like api.example.com.')
        .max(20, 'List at most 20 hosts.')
        .superRefine((hosts, ctx) => {
          const bad = hosts.filter((h) => !HOST.test(h));
          if (bad.length > 0)
            ctx.addIssue({
              code: 'custom',
              message: `Not a host name: ${bad.slice(0, 3).join(', ')}. Use names like api.example.com, without https:// or a path.`,
            });
        }),
    })
    .refine((s) => Object.keys(s.headers).length + Object.keys(s.values).length > 0, {
      message: 'Add at least one header or query value to send.',
      path: ['headers'],
    }),
  secretHome: 'Put secrets in headers or values.',
  endpoints: {},
  send: {
    hosts: { field: 'allowedHosts' },
    via: [
      { as: 'header', record: 'headers' },
      { as: 'query', record: 'values' },
    ],
  },
  capabilities: [],
  test: {
    unavailable:
      'Generic credentials have no provider to test against; a plugin that uses one reports whether it works.',
  },
});

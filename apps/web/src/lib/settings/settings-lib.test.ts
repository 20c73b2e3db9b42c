import { describe, expect, it } from 'vitest';
import { parseCredentialForm, secretLabels, type CredentialFormValues } from './credentials';
import { formatDuration, ungranted } from './model';
import { readFolderPackage, type PickedFile } from './package';
import { describeCron, describePermission, describeTrigger } from './permissions';

const base: CredentialFormValues = { type: 'twilio', name: 'T', fields: {}, rows: {} };

describe('parseCredentialForm', () => {
  it('applies the hub’s rules per type, with words on how to fix them', () => {
    const bad = parseCredentialForm({ ...base, name: ' ', fields: { accountSid: 'AB12', authToken: 'x' } });
    expect(bad).toEqual({
      ok: false,
      fieldErrors: {
        name: expect.stringMatching(/Give the credential a name/),
        accountSid: expect.stringMatching(/AC followed by 32/),
        authToken: expect.stringMatching(/at least 16 characters/),
      },
    });
    const microsoft = parseCredentialForm({
      ...base,
      type: 'microsoft',
      fields: { tenantId: 'contoso/x', clientId: 'nope', clientSecret: '12345678' },
    });
    expect(microsoft.ok ? {} : microsoft.fieldErrors).toEqual({
      tenantId: expect.stringMatching(/UUID or its domain/),
      clientId: expect.stringMatching(/client\) ID/),
    });
    const ollama = parseCredentialForm({ ...base, type: 'ollama', fields: { url: 'ftp://nas.local' } });
    expect(ollama.ok ? {} : ollama.fieldErrors).toEqual({ url: expect.stringMatching(/http:\/\/ or https:\/\//) });
  });

  it('builds the hub body: trimmed values, generic rows as objects, hosts lowercased and unique', () => {
    expect(
      parseCredentialForm({ ...base, type: 'openrouter', name: ' Mine ', fields: { apiKey: '  sk-or-123456  ' } }),
    ).toEqual({
      ok: true,
      data: { type: 'openrouter', name: 'Mine', secret: { apiKey: 'sk-or-123456' } },
    });
    const generic = parseCredentialForm({
      ...base,
      type: 'generic',
      rows: {
        headers: [
          { key: 'X-Api-Key', value: 'v1' },
          { key: '', value: '' },
        ],
        values: [{ key: 'api_key', value: 'v2' }],
      },
      fields: { allowedHosts: 'API.example.com, api.example.com\nother.example.org' },
    });
    expect(generic).toEqual({
      ok: true,
      data: {
        type: 'generic',
        name: 'T',
        secret: {
          headers: { 'X-Api-Key': 'v1' },
          values: { api_key: 'v2' },
          allowedHosts: ['api.example.com', 'other.example.org'],
        },
      },
    });
  });

  it('refuses a generic credential with nothing to send, a duplicate header or no hosts', () => {
    const empty = parseCredentialForm({ ...base, type: 'generic' });
    expect(empty.ok ? {} : Object.keys(empty.fieldErrors)).toEqual(['headers', 'allowedHosts']);
    const dup = parseCredentialForm({
      ...base,
      type: 'generic',
      rows: {
        headers: [
          { key: 'A', value: '1' },
          { key: 'A', value: '2' },
        ],
      },
      fields: { allowedHosts: 'a.example.com' },
    });
    expect(dup.ok ? {} : dup.fieldErrors).toEqual({ 'headers.1.key': 'A is listed twice.' });
  });

  it('names the secret parts to show as dots, never the identifying ones', () => {
    expect(
      secretLabels({ type: 'twilio', fields: ['accountSid', 'authToken'], hints: { accountSid: 'AC…cdef' } }),
    ).toEqual(['Auth Token']);
    expect(
      secretLabels({
        type: 'generic',
        fields: ['headers', 'values', 'allowedHosts'],
        hints: { headers: 'X-Api-Key', values: '', allowedHosts: 'a.example.com' },
      }),
    ).toEqual(['Header values']);
  });
});

describe('permissions in words', () => {
  it('says what each permission lets a plugin do, flagging the sensitive ones', () => {
    expect(describePermission('entities:read:person')).toEqual({
      permission: 'entities:read:person',
      summary: 'Read your contacts',
      sensitive: false,
    });
    expect(describePermission('plugins:run:note-writer')).toEqual({
      permission: 'plugins:run:note-writer',
      summary: 'Start your plugin note-writer, which acts with its own permissions',
      sensitive: true,
      note: 'Runs a plugin',
    });
    expect(describePermission('entities:write:*')).toMatchObject({
      summary: expect.stringMatching(/^Create and change everything in your graph/),
      note: 'Changes your data',
    });
    expect(describePermission('http:fetch:*.example.com')).toMatchObject({
      summary: 'Connect to any address under example.com on the internet',
      note: 'Reaches the internet',
    });
    expect(describePermission('credentials:twilio')).toMatchObject({
      summary: 'Use your Twilio credential, without seeing it',
      sensitive: true,
    });
    expect(describePermission('events:subscribe:data.EntityCreated').summary).toBe(
      'Run when something is added to your contacts, notes or other data',
    );
    expect(describePermission('notify').summary).toBe('Send you notifications');
    expect(describePermission('root:all')).toMatchObject({
      summary: 'Unrecognised permission: root:all',
      sensitive: true,
    });
  });

  it('describes triggers and common schedules', () => {
    expect(describeCron('0 7 * * *')).toBe('every day at 07:00 UTC');
    expect(describeCron('15 * * * *')).toBe('every hour at minute 15');
    expect(describeCron('0 7 * * 1')).toBe('custom schedule');
    expect(describeTrigger({ type: 'schedule', cron: '30 6 * * *' })).toBe(
      'On a schedule: every day at 06:30 UTC (30 6 * * *)',
    );
    expect(describeTrigger({ type: 'manual' })).toBe('When you press Run now');
  });

  it('finds what an upgrade added, and formats durations', () => {
    expect(
      ungranted({ permissions: ['a', 'b', 'notify'] }, [
        { permission: 'a', grantedAt: '' },
        { permission: 'b', grantedAt: '' },
      ]),
    ).toEqual(['notify']);
    expect([formatDuration(0.2), formatDuration(21.6), formatDuration(1530), formatDuration(12_400)]).toEqual([
      '< 1 ms',
      '22 ms',
      '1.5 s',
      '12 s',
    ]);
  });
});

describe('readFolderPackage', () => {
  const file = (path: string, text: string): PickedFile => ({ path, size: text.length, text: async () => text });

  it('finds the built manifest and its bundle, even when the source folder was chosen', async () => {
    const files = [
      file('birthday-reminder/manifest.json', '{"id":"birthday-reminder"}'),
      file('birthday-reminder/src/index.ts', 'export default {}'),
      file('birthday-reminder/dist/manifest.json', '{"id":"birthday-reminder","main":"index.js"}'),
      file('birthday-reminder/dist/index.js', 'module.exports = {}'),
    ];
    expect(await readFolderPackage(files)).toEqual({
      ok: true,
      manifest: { id: 'birthday-reminder', main: 'index.js' },
      bundle: 'module.exports = {}',
      folder: 'birthday-reminder/dist',
    });
  });

  it('says what is missing', async () => {
    expect(await readFolderPackage([file('x/readme.md', '')])).toEqual({
      ok: false,
      error: expect.stringMatching(/no manifest.json/),
    });
    expect(await readFolderPackage([file('x/manifest.json', '{"main":"plugin.js"}')])).toEqual({
      ok: false,
      error: expect.stringMatching(/no x\/plugin.js. Build the plugin first/),
    });
    expect(await readFolderPackage([file('x/manifest.json', '{oops')])).toEqual({
      ok: false,
      error: 'x/manifest.json is not valid JSON.',
    });
  });
});

import { router } from '../../../test/next-mocks';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Toaster } from '@/components/ui/toast';
import type { PluginView } from '@/lib/settings/model';
import { GrantsReview, type PrincipalGrants } from './grants-review';

const actions = vi.hoisted(() => ({
  revokeGrantAction: vi.fn(),
  revokePrincipalGrantAction: vi.fn(),
}));
vi.mock('@/lib/actions/settings', () => actions);

const reminder: PluginView = {
  id: 'birthday-reminder',
  name: 'Birthday reminder',
  version: '1.0.0',
  description: '',
  status: 'enabled',
  statusReason: null,
  permissions: ['entities:read:person', 'entities:write:task'],
  triggers: [{ type: 'manual' }],
  credentials: [],
  config: {},
  configFields: {},
  installedAt: '2026-11-24T10:00:00Z',
  updatedAt: '2026-11-24T10:00:00Z',
};
const at = '2026-11-30T09:00:00Z';
const others: PrincipalGrants[] = [
  { kind: 'rule', id: 'file-receipts', grants: [{ permission: 'entities:write:note', grantedAt: at }] },
  {
    kind: 'connector',
    id: 'twilio',
    grants: [
      { permission: 'entities:write:message', grantedAt: at },
      { permission: 'http:fetch:api.twilio.com', grantedAt: at },
    ],
  },
  { kind: 'ai', id: 'assistant', grants: [{ permission: 'entities:read:*', grantedAt: at }] },
];

const setup = (props: Parameters<typeof GrantsReview>[0]) =>
  render(
    <Toaster>
      <GrantsReview {...props} />
    </Toaster>,
  );

describe('GrantsReview', () => {
  beforeEach(() => vi.clearAllMocks());

  it('groups grants by kind: plugins as before, then rules, connectors and assistants', () => {
    setup({ items: [{ plugin: reminder, grants: [{ permission: 'entities:write:task', grantedAt: at }] }], others });
    const headings = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent);
    expect(headings).toEqual(['Plugins', 'Rules', 'Connectors', 'Assistants']);
    const plugins = screen.getByRole('region', { name: 'Plugins' });
    expect(within(plugins).getByRole('region', { name: /Birthday reminder/ })).toBeInTheDocument();
    // A connector is named by its provider.
    const twilio = screen.getByRole('region', { name: 'Twilio' });
    expect(within(twilio).getAllByRole('listitem')).toHaveLength(2);
    expect(within(twilio).getByText('2 permissions')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'file-receipts' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'assistant' })).toBeInTheDocument();
  });

  it('revokes a rule’s grant after asking, drops the emptied rule and says so', async () => {
    actions.revokePrincipalGrantAction.mockResolvedValue({ ok: true, data: ['entities:write:note'] });
    setup({ items: [], others });
    await userEvent.click(screen.getByRole('button', { name: 'Revoke entities:write:note from file-receipts' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Revoke this permission?' });
    expect(dialog).toHaveTextContent('The rule file-receipts will no longer be allowed');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    expect(actions.revokePrincipalGrantAction).toHaveBeenCalledWith('rule', 'file-receipts', 'entities:write:note');
    expect(await screen.findByText('Permission revoked')).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'file-receipts' })).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Rules' })).not.toBeInTheDocument();
    expect(router.refresh).toHaveBeenCalled();
  });

  it('keeps the grant and tells what to do when the hub refuses', async () => {
    actions.revokePrincipalGrantAction.mockResolvedValue({
      ok: false,
      error: 'This permission was already taken back, perhaps in another window: reload to see your grants.',
    });
    setup({ items: [], others });
    await userEvent.click(screen.getByRole('button', { name: 'Revoke entities:read:* from assistant' }));
    await userEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Revoke' }));
    expect(await screen.findByText(/reload to see your grants/)).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'assistant' })).toBeInTheDocument();
  });

  it('shows the empty state only when nothing holds a permission', () => {
    setup({ items: [], others: [] });
    expect(screen.getByRole('heading', { name: 'No plugin holds any permission' })).toBeInTheDocument();
  });
});

/**
 * Which of your connections can send on a channel, for the compose screens' "From" picker.
 * The hub sends through an active connection only: a Twilio number for texts (and calls), a
 * Microsoft 365 account for email. With one, it is used without asking; with several the hub
 * needs a `connectionId` (it answers 400 connection_ambiguous otherwise).
 */
export type SendChannel = 'sms' | 'email' | 'voice';

export interface Sender {
  id: string;
  /** The number or mail account, as Settings → Connections shows it. */
  label: string;
}

/** Providers whose active connections send on each channel (the hub's connectors). */
const PROVIDERS: Record<SendChannel, readonly string[]> = {
  sms: ['twilio'],
  voice: ['twilio'],
  email: ['microsoft'],
};

export function sendersFor(
  connections: readonly { id: string; provider: string; label: string; status: string }[],
  channel: SendChannel,
): Sender[] {
  return connections
    .filter((c) => c.status === 'active' && PROVIDERS[channel].includes(c.provider))
    .map(({ id, label }) => ({ id, label }));
}

/** The `connectionId` to send with: only when there is a choice to make, and it is one of them. */
export function chosenSender(senders: readonly Sender[], chosen: string | undefined): string | undefined {
  if (senders.length < 2) return undefined;
  return senders.some((s) => s.id === chosen) ? chosen : senders[0]!.id;
}

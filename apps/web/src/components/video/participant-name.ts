/**
 * A participant's name from its Twilio identity: guests are `guest_<random>_<name, URI-encoded>`
 * (the hub makes them), the host is `user_<id>`.
 */
export function participantName(identity: string, hostName: string | null): string {
  const guest = /^guest_[0-9a-f]{8}_(.*)$/.exec(identity);
  if (guest) {
    try {
      return `${decodeURIComponent(guest[1]!)} (guest)`;
    } catch {
      return 'Guest';
    }
  }
  return hostName ?? 'Host';
}

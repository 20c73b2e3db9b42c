import { OperatorError, UserError } from '../../errors.ts';

/**
 * Outbound failures, typed by who must act (DESIGN §2):
 * - OutboundRefused: the destination or the request itself is not allowed (a private
 *   address, a bad URL, too large): whoever supplied the URL or body must change it.
 * - ProviderRateLimited: the provider said "later"; the user waits (or a job reschedules).
 * - OutboundUnreachable: DNS, connection or timeout: the operator checks the network.
 * Anything else thrown from the client is a bug.
 */
export type RefusalReason =
  | 'bad_url'
  | 'private_address'
  | 'too_many_redirects'
  | 'request_too_large'
  | 'response_too_large'
  // Raised by a caller's per-hop check (the plugin host's allow-list and credential rules).
  | 'host_not_allowed'
  | 'credential_not_allowed';

export class OutboundRefused extends UserError {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly host?: string,
  ) {
    super(422, reason, message);
    this.name = 'OutboundRefused';
  }
}

export class ProviderRateLimited extends UserError {
  constructor(
    readonly host: string,
    /** When the provider said it would accept requests again (epoch ms), if it said. */
    readonly retryAt: number | undefined,
    message: string,
  ) {
    super(
      429,
      'provider_rate_limited',
      message,
      retryAt === undefined ? undefined : { retryAt: new Date(retryAt).toISOString() },
    );
    this.name = 'ProviderRateLimited';
  }
}

export type UnreachableReason = 'dns' | 'connect' | 'connect_timeout' | 'timeout' | 'network';

export class OutboundUnreachable extends OperatorError {
  constructor(
    readonly reason: UnreachableReason,
    message: string,
    readonly host?: string,
  ) {
    super(message, 'provider_unreachable');
    this.name = 'OutboundUnreachable';
  }
}

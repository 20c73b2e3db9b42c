/** Turns hub and auth failures into sentences a person can act on. Pure: unit-tested. */

export interface HubErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The hub's error details (a rule's validation issues, the permissions it needs). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export const UNREACHABLE = "Can't reach your Made Open hub. Check that it is running, then try again.";

export function friendlyHubError(status: number, code: string | undefined, message: string | undefined): string {
  switch (code) {
    case 'version_conflict':
      return 'This was changed somewhere else since you opened it. Reload to see the latest version, then make your change again.';
    // Email (issue 13): the hub's words say what to do (send a link instead, open it in the mail app).
    case 'attachments_too_large':
    case 'attachment_too_large':
      return message || 'That is too large to send.';
    // A text that may have gone out (its answer was lost): the hub's words say to check, not to resend.
    case 'send_outcome_unknown':
    case 'sent_not_stored':
      return message || 'This message may have been sent. Check before sending it again.';
    case 'not_found':
      return 'This item no longer exists. It may have been deleted or merged into another contact.';
    case 'rate_limited':
    case 'too_many_requests':
      return 'Too many attempts in a short time. Wait a minute, then try again.';
    case 'unauthorized':
    case 'unauthenticated':
      return 'Your session has ended. Sign in again to continue.';
  }
  if (status === 0) return UNREACHABLE;
  if (status === 401) return 'Your session has ended. Sign in again to continue.';
  if (status === 403) return "You don't have access to this.";
  if (status === 404) return 'This item no longer exists. It may have been deleted or merged into another contact.';
  if (status === 409) return message || 'This conflicts with something that already exists.';
  if (status === 413) return 'That is too large to save.';
  if (status === 429) return 'Too many attempts in a short time. Wait a minute, then try again.';
  if (status >= 500)
    return 'Your hub ran into a problem it could not handle. Try again; if it keeps happening, check the hub’s logs.';
  // 400/422: the hub's messages for bad input are written for people.
  return message || 'The hub could not accept this. Check the form and try again.';
}

/** Messages for GoTrue (supabase-js AuthError) failures. */
export function friendlyAuthError(error: {
  code?: string | undefined;
  status?: number | undefined;
  message?: string | undefined;
  name?: string | undefined;
}): string {
  if (error.name === 'AuthRetryableFetchError' || error.status === 0) return UNREACHABLE;
  switch (error.code) {
    case 'invalid_credentials':
      return "That email and password don't match an account. Check them, or create an account.";
    case 'user_already_exists':
    case 'email_exists':
      return 'An account with this email already exists. Sign in instead.';
    case 'weak_password':
      return error.message || 'Choose a longer password.';
    case 'signup_disabled':
      return 'This hub is not taking new accounts: its owner has closed sign-up. Ask them to open it, or sign in if you have an account.';
    case 'current_password_required':
      return 'Enter your current password to change it.';
    case 'current_password_mismatch':
      return 'Your current password is not right. Check it and try again.';
    case 'same_password':
      return 'The new password is the same as the current one. Choose a different one.';
    case 'mfa_verification_failed':
      return 'That code is not right, or was already used. Enter the current code from your authenticator app.';
    case 'mfa_challenge_expired':
      return 'That took too long. Enter the current code again.';
    case 'insufficient_aal':
      return 'Confirm it is you first: sign out, sign in again with your code, then try again.';
    case 'over_request_rate_limit':
    case 'over_email_send_rate_limit':
      return 'Too many attempts in a short time. Wait a minute, then try again.';
    case 'refresh_token_not_found':
    case 'refresh_token_already_used':
    case 'session_not_found':
    case 'session_expired':
      return 'Your session has ended. Sign in again to continue.';
    case 'validation_failed':
    case 'email_address_invalid':
      return error.message || 'Check the email address and try again.';
  }
  if (error.status === 429) return 'Too many attempts in a short time. Wait a minute, then try again.';
  if (error.status === 400 && /invalid login/i.test(error.message ?? ''))
    return "That email and password don't match an account. Check them, or create an account.";
  if ((error.status ?? 0) >= 500) return 'Your hub ran into a problem signing you in. Try again in a moment.';
  return error.message || 'Something went wrong. Try again.';
}

/**
 * A DAV answer other than success: its status, a message for people, and, for RFC 4918 /
 * 6352 / 4791 / 6578 preconditions, the element a client reads (`valid-sync-token` ...)
 * and its namespace (DAV: unless said).
 */
export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail: { precondition?: string; ns?: string } = {},
  ) {
    super(message);
  }
}

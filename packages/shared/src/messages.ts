/**
 * A message thread's id as the messages API takes it in paths: SMS `sms:<own number
 * E.164>:<person id>`, or `sms:<own number>:<sender>` for a short code or alphanumeric sender;
 * email `email:<the conversation id, base64url>` (so any provider's id is safe in a path).
 * The hub checks requests with it and the web app its links, so both read the same ids.
 */
export const messageThreadIdPattern = /^(sms:\+[1-9][0-9]{1,14}:[A-Za-z0-9 ._&+-]{1,64}|email:[A-Za-z0-9_-]{1,700})$/;

import { simpleParser, type AddressObject } from 'mailparser';
import type { Readable } from 'node:stream';
import { readLines } from './lines.ts';

/** One message's raw bytes out of an mbox, with the line its `From ` separator is on. */
export interface RawMessage {
  line: number;
  raw: Buffer;
}

export const maxMessageBytes = 25 * 1024 * 1024;
const maxMboxLineBytes = 1024 * 1024;

/**
 * Splits an mbox (mboxo or mboxrd) into messages on `From ` lines, unescaping `>From `,
 * one message in memory at a time; a message over `maxMessageBytes` is reported and skipped.
 */
export async function* splitMbox(
  input: Readable | AsyncIterable<Buffer | string>,
): AsyncGenerator<RawMessage | { error: { line: number; message: string } }> {
  let parts: Buffer[] | null = null;
  let size = 0;
  let start = 0;
  let tooBig = false;
  const nl = Buffer.from('\n');
  const flush = function* (): Generator<RawMessage | { error: { line: number; message: string } }> {
    if (parts === null) return;
    if (tooBig)
      yield {
        error: { line: start, message: `The message at line ${start} is over ${maxMessageBytes} bytes: skipped.` },
      };
    else yield { line: start, raw: Buffer.concat(parts) };
  };
  for await (const l of readLines(input, maxMboxLineBytes)) {
    if (l.text.startsWith('From ') && (parts === null || l.line > start)) {
      yield* flush();
      parts = [];
      size = 0;
      tooBig = false;
      start = l.line;
      continue;
    }
    if (parts === null) {
      if (l.text.trim() === '') continue;
      yield {
        error: {
          line: l.line,
          message: `Line ${l.line} comes before the first "From " line: this is not an mbox file.`,
        },
      };
      return;
    }
    if (l.tooLong) {
      tooBig = true;
      continue;
    }
    const text = /^>+From /.test(l.text) ? l.text.slice(1) : l.text;
    size += Buffer.byteLength(text) + 1;
    if (size > maxMessageBytes) tooBig = true;
    if (!tooBig) parts.push(Buffer.from(text), nl);
  }
  yield* flush();
}

/** A mail message mapped onto the hub's message model. */
export interface MailMessage {
  messageId: string | null;
  inReplyTo: string | null;
  subject: string;
  date: string | null;
  from: { address: string; name?: string } | null;
  to: { address: string; name?: string }[];
  cc: { address: string; name?: string }[];
  text: string;
  attachments: { name: string; contentType: string; size: number }[];
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : [])
    .flatMap((group) => group.value)
    .filter((a) => typeof a.address === 'string' && a.address.includes('@'))
    .map((a) => ({ address: a.address!.toLowerCase(), ...(a.name ? { name: a.name } : {}) }));

/** One RFC 5322 message (an .eml file, or one out of an mbox) through mailparser. */
export async function parseMail(raw: Buffer | Readable): Promise<MailMessage> {
  const mail = await simpleParser(raw, { skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true });
  const from = addresses(mail.from)[0] ?? null;
  return {
    messageId: mail.messageId ?? null,
    inReplyTo: mail.inReplyTo ?? null,
    subject: mail.subject ?? '',
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : null,
    from,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    text: mail.text ?? '',
    attachments: mail.attachments.map((a) => ({
      name: a.filename ?? 'attachment',
      contentType: a.contentType,
      size: a.size,
    })),
  };
}

/** A message as the hub keeps it, for rendering. */
export interface MessageForMbox {
  id: string;
  title: string;
  body: string | null;
  occurredAt: string | null;
  properties: {
    from?: string;
    to?: string[];
    cc?: string[];
    subject?: string;
    internetMessageId?: string;
    inReplyTo?: string;
    names?: Record<string, string>;
    channel?: string;
  };
}

const headerText = (value: string) =>
  /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`;
const address = (email: string, names: Record<string, string> | undefined) =>
  names?.[email] ? `${headerText(`"${names[email]!.replace(/"/g, "'")}"`)} <${email}>` : email;

/** One message in mboxrd form: `From ` line, headers, text body with `From ` lines quoted. */
export function messageToMbox(message: MessageForMbox): string {
  const p = message.properties;
  const date = new Date(message.occurredAt ?? 0);
  const sender = p.from && p.from.includes('@') ? p.from : 'MAILER-DAEMON';
  const headers = [
    `From: ${p.from ? address(p.from, p.names) : 'unknown'}`,
    ...(p.to?.length ? [`To: ${p.to.map((t) => address(t, p.names)).join(', ')}`] : []),
    ...(p.cc?.length ? [`Cc: ${p.cc.map((t) => address(t, p.names)).join(', ')}`] : []),
    `Subject: ${headerText(p.subject ?? message.title)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${p.internetMessageId ?? `<${message.id}@made-open>`}`,
    ...(p.inReplyTo ? [`In-Reply-To: ${p.inReplyTo}`] : []),
    ...(p.channel === 'sms' ? ['X-Made-Open-Channel: sms'] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  const body = (message.body ?? '').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1');
  return `From ${sender} ${date.toUTCString().replace(/,/, '')}\n${headers.join('\n')}\n\n${body}\n\n`;
}

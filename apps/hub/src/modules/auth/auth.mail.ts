import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { loadOrCreateSecretFile } from '../../platform/secret-files.ts';
import type { EmailSenderRow } from './auth.email.repository.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** AES-256-GCM with a key derived from DATA_DIR/auth-email-key (0600, generated on first use). */
export function createPasswordSeal(dataDir: string) {
  let key: Buffer | undefined;
  const keyOf = () =>
    (key ??= Buffer.from(
      hkdfSync('sha256', loadOrCreateSecretFile(dataDir, 'auth-email-key'), 'made-open-auth', 'smtp-password-v1', 32),
    ));
  const aad = Buffer.from('made_open.auth_email_sender.password');
  return {
    seal(plain: string): Buffer {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keyOf(), iv).setAAD(aad);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    open(sealed: Buffer): string {
      const decipher = createDecipheriv('aes-256-gcm', keyOf(), sealed.subarray(0, 12)).setAAD(aad);
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
export type PasswordSeal = ReturnType<typeof createPasswordSeal>;

const loopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/**
 * Sends one mail through the configured SMTP account (nodemailer). Without implicit TLS,
 * STARTTLS is required except to a loopback relay, so a password never crosses a network
 * in the clear.
 */
export async function sendMail(sender: EmailSenderRow, seal: PasswordSeal, mail: OutgoingMail): Promise<void> {
  const transport = nodemailer.createTransport({
    host: sender.host,
    port: sender.port,
    secure: sender.secure,
    requireTLS: !sender.secure && !loopback(sender.host),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
    ...(sender.username
      ? {
          auth: {
            user: sender.username,
            pass: sender.password_sealed ? seal.open(sender.password_sealed) : '',
          },
        }
      : {}),
  });
  try {
    await transport.sendMail({
      from: sender.from_address,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
  } finally {
    transport.close();
  }
}

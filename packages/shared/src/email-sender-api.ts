import { z } from 'zod';

/**
 * /api/v1/settings/email-sender: the SMTP account the hub's mail goes out through, as its owner
 * sees it (never the password). The hub validates with these; the web app parses with them.
 */
export const emailSenderSchema = z.union([
  z.object({ configured: z.literal(false) }),
  z.object({
    configured: z.literal(true),
    host: z.string(),
    port: z.number().int(),
    secure: z.boolean(),
    username: z.string().nullable(),
    passwordSet: z.boolean(),
    from: z.string(),
    updatedAt: z.string(),
  }),
]);
export type EmailSender = z.infer<typeof emailSenderSchema>;

/** PUT /api/v1/settings/email-sender. */
export const emailSenderInputSchema = z.strictObject({
  host: z
    .string()
    .trim()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'host must be a host name or address'),
  port: z.number().int().min(1).max(65535),
  secure: z
    .boolean()
    .describe(
      'true: TLS from the start (usually port 465); false: STARTTLS (587), required unless the host is loopback',
    ),
  username: z.string().max(320).nullable(),
  password: z.string().max(1024).nullable().optional().describe('Absent: keep the stored one; null: none'),
  from: z.string().trim().min(3).max(320).describe('The From address, e.g. "Made Open <me@example.com>"'),
});
/** What a client sends (before trimming); `password` absent keeps the stored one, null removes it. */
export type EmailSenderInput = z.input<typeof emailSenderInputSchema>;

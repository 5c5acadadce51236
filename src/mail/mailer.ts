import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { isPlainEmail } from '../domain/purchase-request.ts';

export interface MailMessage {
  /** One plain `local@domain` (the stored recipient), never a header text. */
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/**
 * Files in the outbox hold spendable claim links: readable by the server's user only. The mode applies when the
 * file or folder is created; runtime.ts warns at start about older, looser ones.
 */
const OUTBOX_DIR_MODE = 0o700;
const EML_MODE = 0o600;

/**
 * The message's recipient as an address object: nodemailer then neither parses display names nor splits lists out
 * of it, so the envelope and the To: header hold exactly this one address. An address that is not plain (a row
 * stored before the contract's stricter rule) is refused here rather than handed to any parser.
 */
function recipient(to: string): { name: string; address: string } {
  if (!isPlainEmail(to)) throw new Error('the recipient is not a plain local@domain address; not sent');
  return { name: '', address: to };
}

/**
 * Mail through nodemailer: SMTP when a URL is configured (smtp://user:pass@host:port, smtps://…), otherwise
 * each message is written as an .eml file into the outbox folder (the embedded default has no mail server).
 */
export function createMailer(opts: { smtpUrl: string | null; from: string; outboxDir: string }): Mailer {
  if (opts.smtpUrl) {
    const transport = nodemailer.createTransport(opts.smtpUrl);
    return {
      async send(m) {
        await transport.sendMail({ from: opts.from, ...m, to: recipient(m.to) });
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(m) {
      const info = await transport.sendMail({ from: opts.from, ...m, to: recipient(m.to) });
      await mkdir(opts.outboxDir, { recursive: true, mode: OUTBOX_DIR_MODE });
      const path = join(opts.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${info.messageId.replace(/[^A-Za-z0-9]/g, '')}.eml`);
      // whoever picks up the outbox sees whole messages only: a crash mid-write leaves a .tmp, never a cut .eml
      await writeFile(path + '.tmp', info.message as Buffer, { mode: EML_MODE });
      await rename(path + '.tmp', path);
    },
    close: () => transport.close(),
  };
}

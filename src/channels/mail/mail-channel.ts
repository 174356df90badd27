import { createTransport, NodemailerError, Transporter } from "nodemailer";
import { DeliveryError } from "../delivery-error";
import { redactSecrets } from "../../logging/redact";
import { NotificationChannel, OutgoingMessage } from "../channel";
import { Channel } from "../../vocabulary/channel";
import { describeEvent } from "../message-content";
import { renderMail } from "./mail-message";

/**
 * Connect, greeting and idle-socket timeout. Nodemailer waits up to 2 and 10 minutes by default;
 * this keeps an attempt well inside the delivery worker's 30 s lease.
 */
export const SMTP_TIMEOUT_MS = 10_000;

// Failures that say the message or its settings are wrong: sending the same again gets the same answer.
const PERMANENT_CODES = new Map<string, "auth_error" | "client_error">([
  ["EAUTH", "auth_error"],
  ["ENOAUTH", "auth_error"],
  ["EENVELOPE", "client_error"],
  ["EMESSAGE", "client_error"],
]);

export interface MailChannelOptions {
  /** SMTP_URL, e.g. smtp://user:pass@host:587; null when mail is not set up. */
  smtpUrl: string | null;
  /** MAIL_FROM, the sender of every message. */
  mailFrom: string;
  dojoUrl: string | null;
}

/**
 * E-mail over one pooled SMTP transport, created on the first send. The target is a comma-separated
 * list of addresses; all of them get one message together.
 */
export function createMailChannel(options: MailChannelOptions): NotificationChannel {
  const { smtpUrl } = options;
  const secrets = smtpUrl ? [smtpUrl, ...passwordOf(smtpUrl)] : [];
  let transporter: Transporter | undefined;

  return {
    id: Channel.MAIL,
    async send({ event, target, linkOnly, template }: OutgoingMessage): Promise<void> {
      if (!smtpUrl) throw new DeliveryError("not_configured", "no SMTP server is set (SMTP_URL)", false);
      const to = target.split(",").map((address) => address.trim()).filter(Boolean);
      if (to.length === 0) throw new DeliveryError("not_configured", "no mail recipients are set", false);
      transporter ??= createTransport({
        url: smtpUrl,
        pool: true,
        connectionTimeout: SMTP_TIMEOUT_MS,
        greetingTimeout: SMTP_TIMEOUT_MS,
        socketTimeout: SMTP_TIMEOUT_MS,
      });
      const mail = renderMail(describeEvent(event, options.dojoUrl, { linkOnly, template }));
      try {
        await transporter.sendMail({ from: options.mailFrom, to, subject: mail.subject, text: mail.text, html: mail.html });
      } catch (error) {
        throw mailDeliveryError(error as NodemailerError, secrets);
      }
    },
    async close(): Promise<void> {
      transporter?.close();
      transporter = undefined;
    },
  };
}

/** Classifies a nodemailer failure: SMTP 4xx and connection trouble retry, 5xx and bad input do not. */
function mailDeliveryError(error: NodemailerError, secrets: string[]): DeliveryError {
  const message = redactSecrets(`SMTP ${error.code ?? "error"}: ${error.message}`, secrets);
  const reply = error.responseCode;
  if (reply !== undefined && reply >= 400 && reply < 500) return new DeliveryError("server_error", message, true);
  const permanent = PERMANENT_CODES.get(error.code ?? "");
  if (reply !== undefined && reply >= 500) return new DeliveryError(permanent ?? "client_error", message, false);
  if (permanent) return new DeliveryError(permanent, message, false);
  if (error.code === "ETIMEDOUT") return new DeliveryError("timeout", message, true);
  // ECONNECTION, ESOCKET, EDNS, ETLS and anything unknown: the server may answer next time.
  return new DeliveryError("network_error", message, true);
}

/** The password of an SMTP URL as written and decoded, to redact either form. */
function passwordOf(smtpUrl: string): string[] {
  try {
    const password = new URL(smtpUrl).password;
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

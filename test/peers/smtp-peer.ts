import { AddressInfo } from "node:net";
import { Headers, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { ConcurrencyGauge } from "./concurrency-gauge";

/** One message the peer accepted, parsed. */
export interface ReceivedMail {
  /** MAIL FROM and RCPT TO: who the SMTP conversation named, whatever the headers say. */
  envelopeFrom: string;
  envelopeTo: string[];
  /** The From header as text. */
  from: string;
  /** Addresses of the To header. */
  to: string[];
  subject: string;
  text: string;
  /** The HTML part, or "" when there is none. */
  html: string;
  /** Parsed headers, keys lower-case. */
  headers: Headers;
  /** The message exactly as received. */
  raw: string;
  /** The user name the client authenticated as, or null. */
  user: string | null;
}

/** A reply refusing the next message at the end of DATA, e.g. 451 (try later) or 550 (refused). */
export interface SmtpRejection {
  responseCode: number;
  message?: string;
}

export interface SmtpPeer {
  /** `smtp://127.0.0.1:<port>`, without credentials. */
  readonly url: string;
  /** The same server with credentials in the URL (the configured ones by default). */
  urlWith(user?: string, pass?: string): string;
  /** Every accepted message, oldest first. */
  readonly messages: ReceivedMail[];
  /** Refuses the next messages with these replies, in order, then accepts again. */
  rejectNext(rejections: SmtpRejection[]): void;
  /** Refuses the next `count` logins with 535, whatever the credentials, then checks them again. */
  refuseNextLogins(count: number): void;
  /** Waits this long before accepting each message (a slow server); 0 to stop. */
  delayAnswers(ms: number): void;
  /** Messages being received at once (DATA until the reply), by envelope recipients. */
  readonly concurrency: ConcurrencyGauge;
  /** Resolves with the messages once at least `count` have arrived; rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * A local SMTP server (smtp-server, plain text, no STARTTLS) that parses what it accepts with
 * mailparser. AUTH is optional; with `user` and `pass` set, other credentials are refused with 535.
 */
export async function startSmtpPeer(options: { user?: string; pass?: string } = {}): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = [];
  const rejections: SmtpRejection[] = [];
  const waiters = new Set<() => void>();
  let loginsToRefuse = 0;
  let answerDelayMs = 0;
  const concurrency = new ConcurrencyGauge();

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    // A pooled client may still hold a connection when a test closes the peer.
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      const refused = loginsToRefuse > 0;
      if (refused) loginsToRefuse -= 1;
      const known = !refused && (options.user === undefined || (auth.username === options.user && auth.password === options.pass));
      if (known) callback(null, { user: auth.username });
      else callback(Object.assign(new Error("Authentication failed"), { responseCode: 535 }));
    },
    onData(stream, session, rawCallback) {
      const gaugeKey = session.envelope.rcptTo.map((rcpt) => rcpt.address).join(",");
      concurrency.enter(gaugeKey);
      const callback = (error?: Error | null) => {
        concurrency.leave(gaugeKey);
        rawCallback(error);
      };
      const parts: Buffer[] = [];
      stream.on("data", (part: Buffer) => parts.push(part));
      stream.on("end", () => {
        const rejection = rejections.shift();
        if (rejection) {
          callback(Object.assign(new Error(rejection.message ?? `Refused by the test (${rejection.responseCode})`), rejection));
          return;
        }
        const raw = Buffer.concat(parts).toString("utf8");
        simpleParser(raw).then(async (parsed) => {
          const to = [parsed.to ?? []].flat().flatMap((list) => list.value.map((address) => address.address ?? ""));
          messages.push({
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            from: parsed.from?.text ?? "",
            to,
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: parsed.html || "",
            headers: parsed.headers,
            raw,
            user: typeof session.user === "string" ? session.user : null,
          });
          for (const wake of waiters) wake();
          if (answerDelayMs) await new Promise((resolve) => setTimeout(resolve, answerDelayMs));
          callback();
        }, callback);
      });
    },
  });
  // A client vanishing mid-conversation (a killed bridge) is emitted here; a server shrugs it off.
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  const url = `smtp://127.0.0.1:${port}`;

  return {
    url,
    urlWith: (user = options.user ?? "", pass = options.pass ?? "") =>
      `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    messages,
    rejectNext: (replies) => rejections.push(...replies),
    refuseNextLogins: (count) => (loginsToRefuse += count),
    delayAnswers: (ms) => (answerDelayMs = ms),
    concurrency,
    waitForMessages: (count, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} messages, got ${messages.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

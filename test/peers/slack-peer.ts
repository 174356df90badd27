import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { ConcurrencyGauge } from "./concurrency-gauge";
import { closeServer, listenOnLoopback, readRequestBody } from "./http-peer";

/** The bot token a Slack peer accepts unless told otherwise. */
export const SLACK_PEER_TOKEN = "xoxb-peer-0000-test-token";

/** One Web API call as the peer received it. */
export interface SlackCall {
  /** The Web API method, e.g. `chat.postMessage`. */
  method: string;
  /** The bearer token from `Authorization`, or null. */
  token: string | null;
  /** Form or JSON arguments; JSON-valued form fields (`blocks`, `attachments`) are parsed. */
  args: Record<string, unknown>;
  /** Date.now() when the call arrived. */
  at: number;
  /** Date.now() when it was answered, and the HTTP status; unset while the answer is pending. */
  answeredAt?: number;
  status?: number;
}

/** A scripted answer to the next call: an HTTP status (200 by default), a Retry-After and/or a body. */
export interface SlackScriptedResponse {
  status?: number;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** Sent as JSON; when absent, a 200 answers as usual and other statuses send a Slack-like error body. */
  body?: unknown;
  /** Wait this long before answering (for client timeouts). */
  delayMs?: number;
}

export interface SlackPeer {
  /** Base URL to pass as `slackApiUrl`, ending in `/api/`. */
  readonly url: string;
  /** Every call received, oldest first. */
  readonly calls: SlackCall[];
  /** E-mail → user id answered by `users.lookupByEmail`; others get `users_not_found`. */
  readonly users: Map<string, string>;
  /** Answers the next calls with these, in order, before going back to normal answers. */
  failNext(responses: SlackScriptedResponse[]): void;
  /** Delays every answer by this long (a slow Slack), on top of any scripted delay; 0 to stop. */
  delayAnswers(ms: number): void;
  /** chat.postMessage calls being answered at once, by channel. */
  readonly concurrency: ConcurrencyGauge;
  /** Calls of one method. */
  callsOf(method: string): SlackCall[];
  close(): Promise<void>;
}

// JSON-encoded arguments in a form body (the SDK's default serialisation for objects).
const JSON_FIELDS = new Set(["blocks", "attachments", "metadata"]);

/**
 * A local Slack Web API under `/api/<method>`, speaking the wire format of slack.com: form or JSON
 * bodies, bearer tokens, `{ok:false,error}` answers with HTTP 200. It accepts only `tokens`
 * (`invalid_auth` otherwise, `not_authed` without one) and answers `chat.postMessage` and
 * `users.lookupByEmail`; other methods get `unknown_method`.
 */
export async function startSlackPeer(
  options: { tokens?: string[]; users?: Record<string, string> } = {},
): Promise<SlackPeer> {
  const tokens = new Set(options.tokens ?? [SLACK_PEER_TOKEN]);
  const users = new Map(Object.entries(options.users ?? {}));
  const calls: SlackCall[] = [];
  const script: SlackScriptedResponse[] = [];
  let messageCount = 0;
  let answerDelayMs = 0;
  const concurrency = new ConcurrencyGauge();

  const answer = (call: SlackCall): unknown => {
    if (!call.token) return { ok: false, error: "not_authed" };
    if (!tokens.has(call.token)) return { ok: false, error: "invalid_auth" };
    switch (call.method) {
      case "chat.postMessage": {
        messageCount += 1;
        const ts = `${Math.floor(call.at / 1000)}.${String(messageCount).padStart(6, "0")}`;
        return { ok: true, channel: call.args.channel, ts, message: { text: call.args.text, ts } };
      }
      case "users.lookupByEmail": {
        const id = users.get(String(call.args.email));
        return id ? { ok: true, user: { id, profile: { email: call.args.email } } } : { ok: false, error: "users_not_found" };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = /^\/api\/([\w.]+)$/.exec(new URL(req.url ?? "/", "http://peer").pathname)?.[1];
    const raw = await readRequestBody(req);
    if (!method || req.method !== "POST") {
      res.writeHead(404).end();
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? null;
    const args = parseArgs(req.headers["content-type"] ?? "", raw);
    const call: SlackCall = { method, token: bearer ?? (typeof args.token === "string" ? args.token : null), args, at: Date.now() };
    calls.push(call);
    const gaugeKey = method === "chat.postMessage" ? String(args.channel) : undefined;
    if (gaugeKey !== undefined) {
      concurrency.enter(gaugeKey);
      await concurrency.released();
    }

    const scripted = script.shift();
    const delayMs = (scripted?.delayMs ?? 0) + answerDelayMs;
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const status = scripted?.status ?? 200;
    const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8" };
    if (scripted?.retryAfter !== undefined) headers["Retry-After"] = String(scripted.retryAfter);
    const body =
      scripted?.body ??
      (status === 200 ? answer(call) : { ok: false, error: status === 429 ? "ratelimited" : "internal_error" });
    if (gaugeKey !== undefined) concurrency.leave(gaugeKey);
    res.writeHead(status, headers).end(JSON.stringify(body));
    call.answeredAt = Date.now();
    call.status = status;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  const port = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    users,
    failNext: (responses) => script.push(...responses),
    delayAnswers: (ms) => (answerDelayMs = ms),
    concurrency,
    callsOf: (method) => calls.filter((call) => call.method === method),
    close: () => closeServer(server),
  };
}

function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.startsWith("application/json")) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return args;
}

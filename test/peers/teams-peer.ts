import { createServer, IncomingHttpHeaders } from "node:http";
import { ConcurrencyGauge } from "./concurrency-gauge";
import { closeServer, listenOnLoopback, readRequestBody } from "./http-peer";

/** One POST the peer received. */
export interface TeamsRequest {
  /** The URL path the request was posted to (one peer serves several webhooks). */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as sent. */
  raw: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: unknown;
  /** Date.now() when it arrived. */
  at: number;
  /** Date.now() when it was answered; unset while the answer is pending. */
  answeredAt?: number;
}

/** A scripted answer to the next POST. */
export interface TeamsScriptedResponse {
  status: number;
  /** Sent as `Retry-After` (seconds or an HTTP date). */
  retryAfter?: string | number;
  /** Response body text (legacy connectors answer `1`, or an error text with status 200). */
  body?: string;
  /** Wait this long before answering (for client timeouts). */
  delayMs?: number;
}

export interface TeamsPeer {
  /** A Workflows-style webhook URL whose `sig` query parameter is the credential. */
  readonly url: string;
  /** The `sig` value of `url`. */
  readonly sig: string;
  /** Every POST to the webhook with the right `sig`, oldest first. */
  readonly requests: TeamsRequest[];
  /** Answers the next POSTs with these, in order, then goes back to 202 Accepted. */
  respondNext(responses: TeamsScriptedResponse[]): void;
  /** Delays every answer by this long (a slow endpoint), on top of any scripted delay; 0 to stop. */
  delayAnswers(ms: number): void;
  /** POSTs being answered at once, by webhook path. */
  readonly concurrency: ConcurrencyGauge;
  close(): Promise<void>;
}

/**
 * A local Teams Workflows webhook ("When a Teams webhook request is received"): records POSTed
 * bodies and headers and answers 202 Accepted with an empty body, as the trigger does. A request
 * with a wrong `sig` gets 401 and is not recorded.
 */
export async function startTeamsPeer(sig = "peer-signature-0123456789abcdef"): Promise<TeamsPeer> {
  const requests: TeamsRequest[] = [];
  const script: TeamsScriptedResponse[] = [];
  let answerDelayMs = 0;
  const concurrency = new ConcurrencyGauge();

  const server = createServer((req, res) => {
    readRequestBody(req).then(async (raw) => {
      const url = new URL(req.url ?? "/", "http://peer");
      if (req.method !== "POST" || url.searchParams.get("sig") !== sig) {
        res.writeHead(401).end();
        return;
      }
      const request: TeamsRequest = { path: url.pathname, headers: req.headers, raw, body: parseJson(raw), at: Date.now() };
      requests.push(request);
      concurrency.enter(url.pathname);
      await concurrency.released();
      const next = script.shift() ?? { status: 202 };
      const delayMs = (next.delayMs ?? 0) + answerDelayMs;
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const headers: Record<string, string> = {};
      if (next.retryAfter !== undefined) headers["Retry-After"] = String(next.retryAfter);
      concurrency.leave(url.pathname);
      res.writeHead(next.status, headers).end(next.body ?? "");
      request.answeredAt = Date.now();
    }, () => res.writeHead(400).end());
  });
  const port = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`,
    sig,
    requests,
    respondNext: (responses) => script.push(...responses),
    delayAnswers: (ms) => (answerDelayMs = ms),
    concurrency,
    close: () => closeServer(server),
  };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

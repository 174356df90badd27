import { IncomingMessage, ServerResponse } from "node:http";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError, GraphQLSchema } from "graphql";
import getRawBody from "raw-body";
import { sendJson } from "../http/respond";
import { Logger } from "../logging/logger";
import { Authenticate } from "./caller-auth";
import { GraphqlServices, RelayContext } from "./context";
import { costLimitPlugin, DEFAULT_GRAPHQL_LIMITS, GraphqlLimits, limitValidationRules, MAX_TOKENS } from "./limits";

/** GraphQL operations are small; a megabyte is far beyond any real one and bounds what is buffered. */
export const DEFAULT_GRAPHQL_MAX_BODY_BYTES = 1024 * 1024;

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** graphql-js's "Did you mean …?" hints, which name fields, types and enum values of the schema. */
const SUGGESTION = / ?Did you mean .+?\?$/;

export interface GraphqlHandlerOptions {
  schema: GraphQLSchema;
  services: GraphqlServices;
  /** Resolves the Authorization header to a caller or throws a coded GraphQLError (401 / 429 / 503). */
  authenticate: Authenticate;
  /**
   * Why a request is refused on its Authorization header alone (missing, not `Token <key>`), or
   * null: asked before any body is read, so a caller without a well-formed key makes the bridge
   * buffer nothing.
   */
  refusedAtOnce?: (authorizationHeader: string | undefined) => GraphQLError | null;
  logger?: Logger;
  maxBodyBytes?: number;
  /** Depth, cost and alias limits of every operation; DEFAULT_GRAPHQL_LIMITS when absent. */
  limits?: GraphqlLimits;
  /** Answer introspection (to authenticated callers); default true. */
  introspection?: boolean;
  /** "Did you mean …" hints and the messages of unexpected errors; default false. Never stack traces. */
  detailedErrors?: boolean;
}

export interface GraphqlHandler {
  /** Starts Apollo; call once before the HTTP server accepts requests. */
  start(): Promise<void>;
  /** `GET` and `POST /graphql`. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Stops Apollo after the HTTP server has stopped accepting requests. */
  stop(): Promise<void>;
}

/**
 * Apollo Server on a plain node:http route. Every operation, introspection included, runs only
 * for a caller that `authenticate` accepts: the context function authenticates, and Apollo turns
 * its error into the response (401 UNAUTHENTICATED, 503 DEFECTDOJO_UNAVAILABLE) before executing
 * anything. Apollo's CSRF prevention stays on: a GET or a `text/plain` POST without a
 * preflight-forcing header is refused before authentication. Every operation is then measured
 * against the limits (tokens while parsing; depth, aliases and directives while validating; cost
 * with its variables) and refused with a 400 before it runs.
 */
export function createGraphqlHandler(options: GraphqlHandlerOptions): GraphqlHandler {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_GRAPHQL_MAX_BODY_BYTES;
  const log = options.logger?.child({ component: "graphql" });
  const limits = options.limits ?? DEFAULT_GRAPHQL_LIMITS;
  const detailedErrors = options.detailedErrors ?? false;

  const apollo = new ApolloServer<RelayContext>({
    schema: options.schema,
    csrfPrevention: true,
    // Off, as Apollo's default, said here on purpose: every operation of a batch would get the whole
    // cost budget again, and no client of this API (curl, scripts, admin tools) sends batches. A
    // JSON array body is answered 400 "Operation batching disabled." and nothing in it runs.
    allowBatchedHttpRequests: false,
    // Safe to leave on (the default): it too needs a DefectDojo API key.
    introspection: options.introspection ?? true,
    // Apollo's own removal of "Did you mean …" from validation errors; formatError does the rest.
    hideSchemaDetailsFromClientErrors: !detailedErrors,
    // In no mode: the log has them.
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: MAX_TOKENS },
    validationRules: limitValidationRules(limits),
    // main.ts owns shutdown; Apollo's own handler would re-raise SIGTERM and kill the process mid-drain.
    stopOnTerminationSignals: false,
    // No landing page: the default one loads Apollo Sandbox from a CDN; admin UIs and curl need none.
    plugins: [ApolloServerPluginLandingPageDisabled(), costLimitPlugin(limits.maxCost)],
    logger: log && {
      debug: (message) => log.debug(String(message)),
      info: (message) => log.info(String(message)),
      warn: (message) => log.warn(String(message)),
      error: (message) => log.error(String(message)),
    },
    formatError: (formatted, error) => {
      const code = formatted.extensions?.code;
      if (code === "DEFECTDOJO_UNAVAILABLE") log?.warn({ reason: formatted.message }, "DefectDojo unavailable for GraphQL auth");
      // A bug's message may name tables or values; the client gets a plain line, the log the details.
      if (code === "INTERNAL_SERVER_ERROR") {
        const cause = unwrapResolverError(error);
        log?.error({ err: cause, path: formatted.path }, "GraphQL operation failed");
        const message = detailedErrors && cause instanceof Error ? cause.message : "internal error";
        return { message, path: formatted.path, extensions: { code } };
      }
      // Apollo's own text tells to "pass introspection: true to ApolloServer"; ours names the setting.
      if (formatted.extensions?.validationErrorCode === "INTROSPECTION_DISABLED") {
        return { ...formatted, message: "introspection is turned off on this server (GRAPHQL_INTROSPECTION=false)" };
      }
      // Variables are checked outside validation, so a bad enum value still carries a hint here.
      return detailedErrors ? formatted : { ...formatted, message: formatted.message.replace(SUGGESTION, "") };
    },
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const method = (req.method ?? "GET").toUpperCase();

    const refused = options.refusedAtOnce?.(req.headers.authorization);
    if (refused) {
      // The body is not read; the connection closes after the answer rather than draining it.
      res.setHeader("Connection", "close");
      return sendError(res, 401, String(refused.extensions.code ?? "UNAUTHENTICATED"), refused.message);
    }

    let body: unknown;
    if (method === "POST") {
      let text: string;
      try {
        text = await getRawBody(req, { limit: maxBodyBytes, length: req.headers["content-length"], encoding: "utf8" });
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 413) return tooLarge(req, res, maxBodyBytes);
        if (status === 400 || status === 415) return sendError(res, status, "BAD_REQUEST", "the request body could not be read");
        throw error;
      }
      // Anything but JSON stays unparsed; Apollo then refuses it (after its CSRF check).
      if (JSON_CONTENT_TYPE.test(req.headers["content-type"] ?? "")) {
        try {
          body = JSON.parse(text);
        } catch {
          return sendError(res, 400, "BAD_REQUEST", "the request body is not valid JSON");
        }
      }
    }

    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: new URL(req.url ?? "/", "http://relay").search, body },
      context: async () => ({ caller: await options.authenticate(req.headers.authorization, req.socket.remoteAddress), services: options.services }),
    });

    res.statusCode = response.status ?? 200;
    for (const [name, value] of response.headers) res.setHeader(name, value);
    if (response.body.kind === "complete") {
      res.end(response.body.string);
      return;
    }
    // Incremental delivery (@defer/@stream): write each part as Apollo yields it.
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  return {
    start: () => apollo.start(),
    handle,
    stop: () => apollo.stop(),
  };
}

/** A GraphQL-shaped error answer for failures before Apollo sees the request. */
function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/**
 * 413, then close the connection: the rest of the body is drained, not kept, so a client that
 * sends its whole body before reading gets the answer rather than a reset.
 */
function tooLarge(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): void {
  req.resume();
  res.setHeader("Connection", "close");
  sendError(res, 413, "PAYLOAD_TOO_LARGE", `the request body is larger than ${maxBodyBytes} bytes`);
}

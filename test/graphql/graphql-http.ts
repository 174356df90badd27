import { Server } from "node:http";
import { AddressInfo } from "node:net";
import { createCallerAuth } from "../../src/graphql/caller-auth";
import { createGraphqlHandler, GraphqlHandler, GraphqlHandlerOptions } from "../../src/graphql/graphql-handler";
import { createHttpServer } from "../../src/http/http-server";
import { createLogger } from "../../src/logging/logger";
import { DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { rawRequest, RawResponse } from "../support/http-client";
import { graphqlTestbed, READER, relaySchema, SUPERUSER, Testbed } from "./graphql-testbed";

const ADMIN_TOKEN = "1111111111111111111111111111111111111111";
const READER_TOKEN = "2222222222222222222222222222222222222222";

export interface GraphqlError {
  message: string;
  path?: string[];
  extensions?: Record<string, unknown> & { code?: string };
}

export interface GraphqlHttp {
  url: string;
  bed: Testbed;
  dojo: DojoPeer;
  /** Every log line the handler wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  asAdmin: Record<string, string>;
  asReader: Record<string, string>;
  /** A JSON POST, as a superuser unless other headers are given. */
  post(body: unknown, headers?: Record<string, string>): Promise<RawResponse>;
  close(): Promise<void>;
}

/**
 * The GraphQL handler on a real HTTP server, over the testbed's real schema and SQLite file, with
 * callers identified by a DefectDojo peer (SUPERUSER and READER of the testbed, by token).
 */
export async function graphqlOverHttp(
  options: Omit<Partial<GraphqlHandlerOptions>, "schema" | "services" | "authenticate" | "logger"> = {},
): Promise<GraphqlHttp> {
  const dojo = await startDojoPeer();
  dojo.addUser({ id: SUPERUSER.id, username: SUPERUSER.username, email: SUPERUSER.email, isSuperuser: true, token: ADMIN_TOKEN });
  dojo.addUser({ id: READER.id, username: READER.username, email: READER.email, token: READER_TOKEN });
  const bed = await graphqlTestbed();
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger("debug", { write: (line: string) => logs.push(JSON.parse(line)) } as never);
  const callerAuth = createCallerAuth({ dojoUrl: dojo.url });
  const graphql: GraphqlHandler = createGraphqlHandler({
    ...options,
    schema: await relaySchema(),
    services: bed.services,
    authenticate: callerAuth.authenticate,
    refusedAtOnce: callerAuth.refusedAtOnce,
    logger,
  });
  await graphql.start();
  const server: Server = createHttpServer({ "/graphql": { GET: graphql.handle, POST: graphql.handle } }, logger);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const asAdmin = { Authorization: `Token ${ADMIN_TOKEN}` };
  return {
    url,
    bed,
    dojo,
    logs,
    asAdmin,
    asReader: { Authorization: `Token ${READER_TOKEN}` },
    post: (body, headers = asAdmin) =>
      rawRequest(url, { headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await graphql.stop();
      await bed.close();
      await dojo.close();
    },
  };
}

export const errorsOf = (response: RawResponse): GraphqlError[] => JSON.parse(response.body).errors ?? [];
export const dataOf = (response: RawResponse): Record<string, unknown> | null | undefined => JSON.parse(response.body).data;

import { join } from "node:path";
import { Relay, startRelay } from "../../src/app";
import { Config, loadConfig } from "../../src/config/config";
import { Logger } from "../../src/logging/logger";
import { DojoAuthorizationModel, DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { startSlackPeer, SLACK_PEER_TOKEN, SlackPeer } from "../peers/slack-peer";
import { startSmtpPeer, SmtpPeer } from "../peers/smtp-peer";
import { startTeamsPeer, TeamsPeer } from "../peers/teams-peer";
import { rawRequest, RawResponse } from "./http-client";
import { quietLogger } from "./quiet-logger";
import { tempDir } from "./temp-dir";

export const WEBHOOK_SECRET = "Token relay-webhook-secret-42";
export const SUPERUSER_TOKEN = "dojo-superuser-key-0001";
export const USER_TOKEN = "dojo-plain-user-key-0002";

/** Four real peers (Slack Web API, Teams webhook, SMTP, DefectDojo API) and their users. */
export interface Peers {
  slack: SlackPeer;
  teams: TeamsPeer;
  smtp: SmtpPeer;
  dojo: DojoPeer;
  close(): Promise<void>;
}

export async function startPeers(options: { model?: DojoAuthorizationModel } = {}): Promise<Peers> {
  const [slack, teams, smtp, dojo] = await Promise.all([
    startSlackPeer(),
    startTeamsPeer(),
    startSmtpPeer(),
    startDojoPeer({ model: options.model }),
  ]);
  dojo.addUser({ id: 1, username: "admin", email: "admin@example.com", isSuperuser: true, token: SUPERUSER_TOKEN });
  dojo.addUser({ id: 2, username: "alice", email: "alice@example.com", token: USER_TOKEN });
  return {
    slack,
    teams,
    smtp,
    dojo,
    close: async () => {
      await Promise.all([slack.close(), teams.close(), smtp.close(), dojo.close()]);
    },
  };
}

/** The environment a deployment would set, pointing at the peers. */
export function relayEnv(peers: Peers, databasePath: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: "0",
    DATABASE_URL: `sqlite:${databasePath}`,
    DOJO_URL: peers.dojo.url,
    DOJO_API_KEY: peers.dojo.serviceToken,
    WEBHOOK_HEADER_VALUE: WEBHOOK_SECRET,
    SLACK_API_URL: peers.slack.url,
    SMTP_URL: peers.smtp.url,
    MAIL_FROM: "DefectDojo <dojo@example.com>",
    SECRET_KEY: "test secret key of thirty-two characters or more",
    // The Teams stand-in listens on 127.0.0.1, which a superuser's URL may reach only when named here.
    SYSTEM_WEBHOOK_ALLOWLIST: `${new URL(peers.teams.url).origin}/`,
    DELIVERY_RETRY_BASE_MS: "50",
    // Off unless a test is about pacing: many tests send bursts to one channel and measure other things.
    SLACK_CHANNEL_INTERVAL_MS: "0",
    ...extra,
  };
}

/** A bridge started in this process on a fresh SQLite file, with helpers to talk to it. */
export interface RunningRelay {
  relay: Relay;
  config: Config;
  databasePath: string;
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphqlResult<T>>;
  postWebhook(event: string, body: unknown): Promise<RawResponse>;
  /** Turns on all three system channels, pointing at the peers. */
  configureAllChannels(): Promise<void>;
  close(): Promise<void>;
}

export interface GraphqlResult<T> {
  status: number;
  raw: string;
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

export async function startTestRelay(
  peers: Peers,
  options: { env?: Record<string, string>; databasePath?: string; logger?: Logger; pollIntervalMs?: number } = {},
): Promise<RunningRelay> {
  const dir = options.databasePath ? undefined : tempDir();
  const databasePath = options.databasePath ?? join(dir!.path, "relay.sqlite");
  const config = loadConfig(relayEnv(peers, databasePath, options.env));
  config.delivery.pollIntervalMs = options.pollIntervalMs ?? 100;
  const relay = await startRelay(config, { logger: options.logger ?? quietLogger(), host: "127.0.0.1" });

  const graphql = async <T>(query: string, variables?: Record<string, unknown>, token = SUPERUSER_TOKEN) => {
    const response = await rawRequest(`${relay.url}/graphql`, {
      headers: { "Content-Type": "application/json", Authorization: `Token ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, raw: response.body, ...JSON.parse(response.body) } as GraphqlResult<T>;
  };

  return {
    relay,
    config,
    databasePath,
    graphql,
    postWebhook: (event, body) =>
      rawRequest(`${relay.url}/webhooks/defectdojo`, {
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "DefectDojo-2.58.4",
          "X-DefectDojo-Event": event,
          "X-DefectDojo-Instance": "http://localhost:8080",
          Authorization: WEBHOOK_SECRET,
        },
        body: JSON.stringify(body),
      }),
    configureAllChannels: async () => {
      const result = await graphql(
        `mutation($input: SystemSettingsInput!) { updateSystemSettings(input: $input) { slackTokenSet } }`,
        {
          input: {
            enableSlackNotifications: true,
            slackToken: SLACK_PEER_TOKEN,
            slackChannel: "#security",
            slackUsername: "DefectDojo",
            enableMsteamsNotifications: true,
            msteamsUrl: peers.teams.url,
            enableMailNotifications: true,
            mailNotificationsTo: ["secops@example.com", "ciso@example.com"],
          },
        },
      );
      if (result.errors) throw new Error(`configuring channels failed: ${result.raw}`);
    },
    close: async () => {
      await relay.close();
      dir?.cleanup();
    },
  };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

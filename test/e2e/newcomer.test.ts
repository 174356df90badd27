import { existsSync } from "node:fs";
import { join } from "node:path";
import { webhookFixture } from "../support/fixtures";
import { freePort, MAIN, spawnRelay, waitForHealth } from "../support/child-relay";
import { rawRequest } from "../support/http-client";
import { eventually, Peers, relayEnv, startPeers, SUPERUSER_TOKEN, WEBHOOK_SECRET } from "../support/relay-harness";
import { SLACK_PEER_TOKEN } from "../peers/slack-peer";
import { tempDir } from "../support/temp-dir";

describe("a newcomer following the README", () => {
  let peers: Peers;
  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run the tests with \`npm test\`, which builds first`);
    peers = await startPeers();
  });
  afterAll(() => peers.close());

  it("starts the bridge, configures Slack, Teams and mail over GraphQL, and gets a product_added to all three", async () => {
    const dir = tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { DATABASE_URL: _default, ...env } = relayEnv(peers, "unused", { PORT: String(port) });
    const relay = spawnRelay(dir.path, env);
    try {
      await waitForHealth(url, relay);
      const health = await rawRequest(`${url}/healthz`, { method: "GET" });
      expect(JSON.parse(health.body)).toMatchObject({ status: "ok", database: "ok" });

      const gql = (query: string) =>
        rawRequest(`${url}/graphql`, {
          headers: { "Content-Type": "application/json", Authorization: `Token ${SUPERUSER_TOKEN}` },
          body: JSON.stringify({ query }),
        });
      const configured = await gql(`mutation {
        updateSystemSettings(input: {
          enableSlackNotifications: true, slackToken: "${SLACK_PEER_TOKEN}", slackChannel: "#security", slackUsername: "DefectDojo",
          enableMsteamsNotifications: true, msteamsUrl: "${peers.teams.url}",
          enableMailNotifications: true, mailNotificationsTo: ["secops@example.com"]
        }) { enableSlackNotifications slackChannel slackTokenSet enableMsteamsNotifications msteamsUrlSet enableMailNotifications mailNotificationsTo }
      }`);
      expect(JSON.parse(configured.body)).toEqual({
        data: {
          updateSystemSettings: {
            enableSlackNotifications: true,
            slackChannel: "#security",
            slackTokenSet: true,
            enableMsteamsNotifications: true,
            msteamsUrlSet: true,
            enableMailNotifications: true,
            mailNotificationsTo: ["secops@example.com"],
          },
        },
      });

      const posted = await rawRequest(`${url}/webhooks/defectdojo`, {
        headers: {
          "Content-Type": "application/json",
          "X-DefectDojo-Event": "product_added",
          "X-DefectDojo-Instance": "http://localhost:8080",
          Authorization: WEBHOOK_SECRET,
        },
        body: JSON.stringify(webhookFixture("product_added", "3.x")),
      });
      expect(posted.status).toBe(202);

      const [slack] = await eventually(() => {
        const calls = peers.slack.callsOf("chat.postMessage");
        return calls.length ? calls : undefined;
      });
      expect(slack.args).toMatchObject({ channel: "#security", username: "DefectDojo" });
      expect(String(slack.args.text)).toContain("notif prod");
      const [teams] = await eventually(() => (peers.teams.requests.length ? peers.teams.requests : undefined));
      expect(JSON.stringify(teams.body)).toContain("notif prod");
      expect(JSON.stringify(teams.body)).toContain("http://localhost:8080/asset/4");
      const [mail] = await peers.smtp.waitForMessages(1);
      expect(mail.to).toEqual(["secops@example.com"]);
      expect(mail.subject).toContain("notif prod");

      // A row is marked SENT in a commit just after its target answered: the log may lag the peers briefly.
      const delivered = await eventually(async () => {
        const rows: Array<{ status: string }> = JSON.parse(
          (await gql(`{ deliveries(first: 10) { edges { node { event channel status } } } }`)).body,
        ).data.deliveries.edges.map((edge: { node: { status: string } }) => edge.node);
        return rows.length === 3 && rows.every((row) => row.status === "SENT") ? rows : undefined;
      });
      for (const row of delivered) expect(row).toMatchObject({ event: "product_added", status: "SENT" });

      // The embedded defaults: database and generated key under ./data.
      expect(existsSync(join(dir.path, "data", "relay.sqlite"))).toBe(true);

      relay.child.kill("SIGTERM");
      expect(await relay.exited).toBe(0);

      const lines = relay.output.stdout.trim().split("\n");
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      expect(lines.map((line) => JSON.parse(line).msg)).toEqual(expect.arrayContaining(["dojo relay listening", "delivered", "dojo relay stopped"]));
      // The start-up line tells where the admin page is.
      const listening = lines.map((line) => JSON.parse(line)).find((line) => line.msg === "dojo relay listening");
      expect(listening.adminUrl).toBe(`${url}/admin`);
      for (const secret of [SLACK_PEER_TOKEN, peers.teams.sig, WEBHOOK_SECRET, SUPERUSER_TOKEN]) {
        expect(relay.output.stdout + relay.output.stderr).not.toContain(secret);
      }
    } finally {
      relay.child.kill("SIGKILL");
      dir.cleanup();
    }
  });

  it("says at start-up that webhooks are refused until WEBHOOK_HEADER_VALUE is set, and refuses them with 401", async () => {
    const dir = tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const relay = spawnRelay(dir.path, { PORT: String(port) });
    try {
      await waitForHealth(url, relay);
      expect(relay.output.stdout).toMatch(/WEBHOOK_HEADER_VALUE is not set/);
      const refused = await rawRequest(`${url}/webhooks/defectdojo`, {
        headers: { "Content-Type": "application/json", "X-DefectDojo-Event": "ping", Authorization: "anything" },
        body: JSON.stringify(webhookFixture("ping")),
      });
      expect(refused.status).toBe(401);
      relay.child.kill("SIGTERM");
      expect(await relay.exited).toBe(0);
    } finally {
      relay.child.kill("SIGKILL");
      dir.cleanup();
    }
  });

  it("refuses to start on a bad configuration, naming the problem", async () => {
    const dir = tempDir();
    try {
      const relay = spawnRelay(dir.path, { PORT: "not-a-port", DATABASE_URL: "mysql://nope" });
      expect(await relay.exited).toBe(2);
      expect(relay.output.stderr).toMatch(/PORT/);
      expect(relay.output.stderr).toMatch(/DATABASE_URL/);
    } finally {
      dir.cleanup();
    }
  });
});

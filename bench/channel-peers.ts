import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { startSlackPeer } from "../test/peers/slack-peer";
import { startSmtpPeer } from "../test/peers/smtp-peer";
import { startTeamsPeer } from "../test/peers/teams-peer";

/**
 * The Slack, Teams and SMTP peers of the ingest benchmark in a process of their own, so receiving
 * (mail parsing above all) takes no CPU from the load generator. Prints their URLs as one JSON line;
 * `GET /delivered` on the control port answers how many messages they have received in all.
 */
async function main() {
  const [slack, teams, smtp] = await Promise.all([startSlackPeer(), startTeamsPeer(), startSmtpPeer()]);
  const control = createServer((_req, res) => {
    const delivered = slack.callsOf("chat.postMessage").length + teams.requests.length + smtp.messages.length;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ delivered }));
  });
  control.listen(0, "127.0.0.1", () => {
    const port = (control.address() as AddressInfo).port;
    process.stdout.write(`${JSON.stringify({ port, slack: slack.url, teams: teams.url, smtp: smtp.url })}\n`);
  });
  process.on("SIGTERM", () => {
    void Promise.all([slack.close(), teams.close(), smtp.close()]).then(() => process.exit(0));
  });
}

void main();

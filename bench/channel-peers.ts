import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { startSlackPeer } from "../test/peers/slack-peer";
import { startSmtpPeer } from "../test/peers/smtp-peer";
import { startTeamsPeer } from "../test/peers/teams-peer";

/** Slack knows the benchmarks' DefectDojo users by e-mail (`user<id>@example.com`), for personal messages. */
const SLACK_USERS = 1000;
const SYSTEM_SLACK_CHANNEL = "#security";

/**
 * The Slack, Teams and SMTP peers of the benchmarks in a process of their own, so receiving (mail
 * parsing above all) takes no CPU from the load generator. Prints their URLs as one JSON line. On
 * the control port, `GET /delivered` answers how many messages they have received in all, and
 * `GET /arrivals` when each product's message reached the system Slack channel (epoch ms by
 * product id, from the `product <id>` its text names), for end-to-end latency.
 */
async function main() {
  const users = Object.fromEntries(Array.from({ length: SLACK_USERS }, (_, i) => [`user${i + 1}@example.com`, `U${i + 1}`]));
  const [slack, teams, smtp] = await Promise.all([startSlackPeer({ users }), startTeamsPeer(), startSmtpPeer()]);
  const control = createServer((req, res) => {
    const posted = slack.callsOf("chat.postMessage");
    const delivered = posted.length + teams.requests.length + smtp.messages.length;
    let answer: unknown = { delivered };
    if (req.url === "/arrivals") {
      const arrivals: Record<string, number> = {};
      for (const call of posted) {
        if (call.args.channel !== SYSTEM_SLACK_CHANNEL) continue;
        const id = /product (\d+)/.exec(JSON.stringify(call.args))?.[1];
        if (id !== undefined) arrivals[id] ??= call.at;
      }
      answer = { delivered, arrivals };
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(answer));
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

import { benchFanout } from "./fanout.bench";
import { benchIngest } from "./ingest.bench";
import { benchPoll } from "./poll.bench";
import { benchReplicas } from "./replicas.bench";
import { benchRouting } from "./routing.bench";

/** `npm run bench`: every benchmark, each measured against its own baseline in the same run. */
async function main() {
  console.log("webhook ingest with durable commit while deliveries run (autocannon; bridge and bare server each in its own process)");
  console.table(await benchIngest());
  console.log("personal fan-out (one scan_added, 1,000 subscribed users on Slack and mail, DefectDojo 2.x RBAC)");
  console.table(await benchFanout());
  console.log("DefectDojo API polling (100,000 findings; requests, finding rows asked for, time, events stored)");
  console.table(await benchPoll());
  console.log("routing rules: 10,000 events (a third scans with 20 findings) against 500 rules, most with `continue`");
  console.table(await benchRouting());
  console.log("end to end, webhook in to message out at the peers: one bridge on SQLite vs two sharing PostgreSQL (3,000 events, 3 channels)");
  const replicas = await benchReplicas();
  if (typeof replicas === "string") console.log(replicas);
  else console.table(replicas);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

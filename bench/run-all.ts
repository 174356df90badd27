import { benchFanout } from "./fanout.bench";
import { benchIngest } from "./ingest.bench";
import { benchPoll } from "./poll.bench";
import { benchReplicas } from "./replicas.bench";
import { benchRouting } from "./routing.bench";

const BENCHMARKS: Record<string, { title: string; run(): Promise<object | string> }> = {
  ingest: {
    title:
      "webhook ingest as deployed (DefectDojo's API set, personal notifications on, delivering to Slack, Teams and mail) against Alertmanager and a bare server",
    run: benchIngest,
  },
  fanout: { title: "personal fan-out (one scan_added, 1,000 subscribed users on Slack and mail, DefectDojo 2.x RBAC)", run: benchFanout },
  poll: { title: "DefectDojo API polling (100,000 findings; requests, finding rows asked for, time, events stored)", run: benchPoll },
  routing: { title: "routing rules: 10,000 events (a third scans with 20 findings) against 500 rules, most with `continue`", run: benchRouting },
  replicas: {
    title: "end to end, webhook in to message out at the peers: one bridge on SQLite vs two sharing PostgreSQL (3,000 events, 3 channels)",
    run: benchReplicas,
  },
};

/**
 * `npm run bench`: every benchmark, each measured against its own baseline in the same run;
 * `npm run bench -- ingest poll` runs the ones named.
 */
async function main() {
  const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(BENCHMARKS);
  for (const name of names) {
    const benchmark = BENCHMARKS[name];
    if (!benchmark) throw new Error(`no benchmark "${name}"; there are: ${Object.keys(BENCHMARKS).join(", ")}`);
    console.log(benchmark.title);
    const result = await benchmark.run();
    if (typeof result === "string") console.log(result);
    else console.table(result);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDojoClient, DojoClient } from "../src/defectdojo/dojo-client";
import { createEventIntake } from "../src/ingest/accept-event";
import { Poller } from "../src/ingest/poll/poller";
import { createDataSource } from "../src/storage/data-source";
import { Database } from "../src/storage/database";
import { RoutingRuleStore } from "../src/storage/routing-rule-store";
import { SecretBox } from "../src/storage/secret-box";
import { SettingsStore } from "../src/storage/settings-store";
import { z } from "zod";
import { createLogger } from "../src/logging/logger";
import { DojoPeer, startDojoPeer } from "../test/peers/dojo-peer";

const FINDINGS = 100_000;
const CHANGES = 100;

type Row = { scenario: string; requests: number; findingRowsAsked: number; ms: number; "ms vs baseline": string; events: number };

/**
 * The poller against a DefectDojo API stand-in holding 100,000 findings: the first sync (from now,
 * and a full backfill), then steady-state polls with 0 and with 100 changes. The baseline is what a
 * poller without cursors would pay each time: reading every finding once (250 rows a page).
 */
export async function benchPoll(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "relay-poll-"));
  const peer = await startDojoPeer({ model: "RBAC" });
  const client = createDojoClient({ baseUrl: peer.url, apiKey: peer.serviceToken });
  const rows: Row[] = [];
  try {
    peer.addProductType({ id: 1, name: "bench type" });
    peer.addProduct({ id: 1, name: "bench product", productTypeId: 1 });
    peer.addEngagement({ id: 1, productId: 1, name: "bench engagement" });
    peer.addTest({ id: 1, engagementId: 1, title: "bench test" });
    peer.seedFindings(FINDINGS, { firstId: 1, testId: 1 });

    const measure = async (scenario: string, work: () => Promise<number>) => {
      const before = peer.apiRequests.length;
      const started = performance.now();
      const events = await work();
      const ms = Math.round(performance.now() - started);
      const requests = peer.apiRequests.slice(before);
      const findingRowsAsked = requests
        .filter((request) => request.path === "/api/v2/findings/")
        .reduce((sum, request) => sum + Number(request.query.limit ?? 25), 0);
      const baselineMs = rows[0]?.ms ?? ms;
      rows.push({ scenario, requests: requests.length, findingRowsAsked, ms, "ms vs baseline": (ms / baselineMs).toFixed(3), events });
    };

    await measure("baseline: read every finding", async () => {
      await client.list("findings/", {}, z.object({ id: z.number() }));
      return 0;
    });

    const fromNow = await pollerOn(dir, "from-now.sqlite", peer, client, null);
    await measure("first sync, from now", () => fromNow.run());
    await measure("steady state, 0 changes", () => fromNow.run());
    const firstNew = FINDINGS + 1;
    for (let i = 0; i < CHANGES; i++) peer.addFinding({ id: firstNew + i, testId: 1, severity: "High" });
    peer.addTestImport({
      id: 1,
      testId: 1,
      type: "reimport",
      actions: Array.from({ length: CHANGES }, (_, i) => ({ findingId: firstNew + i, action: "N" as const })),
    });
    await measure(`steady state, ${CHANGES} changes (one import of ${CHANGES} new findings)`, () => fromNow.run());
    await fromNow.close();

    const backfill = await pollerOn(dir, "backfill.sqlite", peer, client, 0);
    await measure("first sync, full backfill", () => backfill.run());
    await backfill.close();
    return rows;
  } finally {
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pollerOn(
  dir: string,
  file: string,
  peer: DojoPeer,
  client: DojoClient,
  backfillSince: number | null,
) {
  const dataSource = createDataSource(join(dir, file));
  await dataSource.initialize();
  await dataSource.runMigrations();
  const db = new Database(dataSource);
  const settings = new SettingsStore(db, new SecretBox("bench, thirty-two characters or more"));
  const intake = createEventIntake({ db, settings, rules: new RoutingRuleStore(db, new SecretBox("bench, thirty-two characters or more")), personalSubscriptions: null, onStored: () => undefined });
  const poller = new Poller({
    client,
    db,
    intake,
    logger: createLogger("error", { write: () => undefined } as never),
    dojoUrl: peer.url,
    settings: { cron: null, backfillSince, findingSeverities: ["Critical", "High"] },
    relabeled: async () => false,
  });
  let stored = 0;
  return {
    async run() {
      const before = stored;
      await poller.runOnce();
      stored = (await db.manager.query("SELECT COUNT(*) AS n FROM event"))[0].n;
      return stored - before;
    },
    async close() {
      await poller.stop();
      await dataSource.destroy();
    },
  };
}

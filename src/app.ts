import { AddressInfo } from "node:net";
import { In } from "typeorm";
import { adminRoutes } from "./admin/admin-handler";
import { createChannels } from "./channels/registry";
import { Config } from "./config/config";
import { DeliveryWorker } from "./delivery/delivery-worker";
import { requeueFailed } from "./delivery/outbox";
import { sendTestNotification } from "./delivery/test-send";
import { createCallerAuth } from "./graphql/caller-auth";
import { notConfigured } from "./graphql/errors";
import { createGraphqlHandler } from "./graphql/graphql-handler";
import { buildRelaySchema } from "./graphql/schema";
import { createDefectDojoAccess } from "./defectdojo/connection";
import { createDojoClient } from "./defectdojo/dojo-client";
import { createDojoDirectory } from "./defectdojo/directory";
import { readWebhookOutages } from "./defectdojo/webhook-outages";
import { createWebhookWatch } from "./defectdojo/webhook-watch";
import { DigestWorker } from "./delivery/digest-worker";
import { FanoutWorker } from "./delivery/fanout-worker";
import { ingestPressure } from "./delivery/ingest-first";
import { createRecipientCheck } from "./delivery/recipient-check";
import { createHealthHandler } from "./http/health";
import { createHttpServer } from "./http/http-server";
import { createReadinessHandler, DOJO_READINESS_TIMEOUT_MS } from "./http/readiness";
import { createMetrics } from "./metrics/metrics";
import { createMetricsHandler } from "./metrics/metrics-handler";
import { outboxStats } from "./metrics/outbox-stats";
import { createRecentEvents } from "./events/recent-events";
import { createEventIntake } from "./ingest/accept-event";
import { createKeepAside } from "./ingest/keep-aside";
import { createWebhookReceiver } from "./ingest/webhook/webhook-receiver";
import { Poller } from "./ingest/poll/poller";
import { previewRoutes } from "./routing/preview";
import { createLogger, Logger } from "./logging/logger";
import { createDataSource } from "./storage/data-source";
import { Database } from "./storage/database";
import { EventEntity } from "./storage/entities/event.entity";
import { leaderLease } from "./storage/leader-lease";
import { listenForWork, workNotifier } from "./storage/work-signal";
import { startRetention } from "./storage/retention";
import { loadSecretKey, SecretBox } from "./storage/secret-box";
import { resealLegacySecrets } from "./storage/secret-reseal";
import { PreferencesStore } from "./storage/preferences-store";
import { RoutingRuleStore } from "./storage/routing-rule-store";
import { SettingsStore } from "./storage/settings-store";
import { TemplateStore } from "./storage/template-store";

export interface Relay {
  /** Base URL the bridge listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  port: number;
  logger: Logger;
  /**
   * Starts a graceful stop: /readyz fails at once, while webhooks are still taken for `drainMs` (a
   * load balancer stops sending first); then `close()`.
   */
  drainAndClose(drainMs: number): Promise<void>;
  /** Stops accepting requests, lets requests and sends in flight finish, closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Interface to listen on (default all). */
  host?: string;
}

/**
 * The composition root: config → database (migrations) → settings → channels → delivery worker →
 * GraphQL and webhook receiver → one HTTP server. `main.ts` and the tests start the bridge here.
 */
export async function startRelay(config: Config, options: StartOptions = {}): Promise<Relay> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // Before the database is opened: a key that breaks the rules stops the start with its reason.
  const secretKey = loadSecretKey(config.secretKey, config.database);
  const secretBox = new SecretBox(secretKey);
  const dataSource = createDataSource(config.database);
  await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: "each" });
  if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, "database migrated");

  const db = new Database(dataSource);
  // RELAY_ROLE: a web process takes requests and leaves the sending to worker processes.
  const { role } = config;
  const sends = role !== "web";
  const takesRequests = role !== "worker";
  await resealLegacySecrets(db, { box: secretBox, legacyKey: config.previousSecretKey ?? secretKey, logger });
  // Personal notifications and polling need DefectDojo's API: who may see what, and what changed.
  const dojoClient =
    config.dojoUrl && config.dojoApiKey ? createDojoClient({ baseUrl: config.dojoUrl, apiKey: config.dojoApiKey }) : null;
  const directory = dojoClient ? createDojoDirectory(dojoClient) : null;
  if (!directory) logger.warn("DOJO_URL and DOJO_API_KEY are not both set: personal notifications and polling are off");
  const dojoAccess =
    dojoClient && directory
      ? createDefectDojoAccess({
          client: dojoClient,
          // What /readyz waits on must fail within a probe's timeout: one try, as short as the reachability check.
          probe: createDojoClient({ baseUrl: config.dojoUrl!, apiKey: config.dojoApiKey!, retries: 0, timeoutMs: DOJO_READINESS_TIMEOUT_MS }),
          directory,
          logger: logger.child({ component: "defectdojo" }),
          webhookHeaderName: config.webhookHeaderName,
          webhookHeaderValue: config.webhookHeaderValue,
          outages: () => readWebhookOutages(db),
        })
      : null;
  const webhookStatus = dojoAccess ? async () => (await dojoAccess.webhookStatus.current())?.status ?? null : undefined;
  const metrics = createMetrics({ outbox: () => outboxStats(db), logger, webhookStatus });
  const settings = new SettingsStore(db, secretBox);
  const preferences = new PreferencesStore(db, secretBox);
  const templates = new TemplateStore(db);
  const rules = new RoutingRuleStore(db, secretBox);
  const channels = createChannels({
    slackApiUrl: config.slackApiUrl,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    dojoUrl: config.dojoUrl,
    personalWebhookAllowlist: config.personalWebhookAllowlist,
    systemWebhookAllowlist: config.systemWebhookAllowlist,
  });
  // Personal messages are checked again at send time: the recipient may have lost access while one waited.
  const recipients = directory
    ? createRecipientCheck({
        directory,
        loadEvents: async (ids) => {
          const events = ids.length === 0 ? [] : await db.manager.find(EventEntity, { where: { id: In(ids) }, select: { id: true, data: true } });
          return new Map(events.map((event) => [event.id, event.data]));
        },
      })
    : null;
  // Webhooks first: while they wait, the fan-out and the sends give way (see IngestPressure).
  const pressure = ingestPressure();
  const worker = new DeliveryWorker({ db, settings, preferences, secretBox, templates, channels, tuning: config.delivery, logger, metrics, recipients, pressure });

  const digests = new DigestWorker({
    db,
    logger,
    duplicates: directory
      ? async (ids) => {
          const facts = await directory.findingFacts(ids);
          return new Set(ids.filter((id) => facts.get(id)?.duplicate));
        }
      : undefined,
    onDigestsClosed: () => worker.wake(),
    pollIntervalMs: config.delivery.pollIntervalMs,
  });
  const recentEvents = createRecentEvents();
  // Always running: routing rules are applied here even without DefectDojo's API.
  const fanout = new FanoutWorker({
    recentEvents,
    db,
    settings,
    preferences,
    rules,
    directory,
    logger,
    onRoutesStored: () => worker.wake(),
    onDigestJoined: () => digests.wake(),
    pollIntervalMs: config.delivery.pollIntervalMs,
    pressure,
  });
  // Stored work is for this process's own workers, or, from a web process, for the worker processes.
  const notifyWorkers = sends ? null : workNotifier(db, logger);
  const wakeWorkers = () => {
    if (notifyWorkers) return notifyWorkers();
    worker.wake();
    fanout.wake();
  };
  const intake = createEventIntake({
    db,
    settings,
    rules,
    personalSubscriptions: directory ? preferences : null,
    metrics,
    // Handed over in memory to this process's fan-out; a web process has none.
    recentEvents: sends ? recentEvents : undefined,
    onStored: wakeWorkers,
  });

  const poller =
    sends && dojoClient && directory && config.dojoUrl && config.poll.cron !== null
      ? new Poller({
          client: dojoClient,
          db,
          intake,
          logger: logger.child({ component: "poller" }),
          dojoUrl: config.dojoUrl,
          settings: config.poll,
          relabeled: async () => (await directory.authorizationModel()) === "LEGACY",
          leadership: db.sharedByReplicas ? leaderLease(db, { name: "poller", logger }) : undefined,
          metrics,
        })
      : null;

  const callerAuth = createCallerAuth({ dojoUrl: config.dojoUrl });
  // Watches the bridge's endpoint in DefectDojo: records what DefectDojo skipped, re-creates it when it is off for good.
  const webhookWatch =
    dojoAccess && dojoClient
      ? createWebhookWatch({
          db,
          client: dojoClient,
          monitor: dojoAccess.webhookStatus,
          logger: logger.child({ component: "defectdojo-webhook" }),
          metrics,
          // Re-creating needs the header value the bridge checks; without it there is nothing to heal to.
          selfHeal: config.webhookWatch.selfHeal && config.webhookHeaderValue !== null,
          headerName: config.webhookHeaderName,
          headerValue: config.webhookHeaderValue ?? "",
          leadership: db.sharedByReplicas ? leaderLease(db, { name: "defectdojo-webhook", logger }) : undefined,
          checkMs: config.webhookWatch.checkMs,
          onRecovered: () => void poller?.runOnce(),
        })
      : null;

  const graphql = createGraphqlHandler({
    schema: await buildRelaySchema(),
    logger,
    authenticate: callerAuth.authenticate,
    refusedAtOnce: callerAuth.refusedAtOnce,
    limits: config.graphql,
    introspection: config.graphql.introspection,
    detailedErrors: config.graphql.detailedErrors,
    services: {
      db,
      settings,
      preferences,
      templates,
      dojoUrl: config.dojoUrl,
      webhookAllowlist: config.personalWebhookAllowlist,
      systemWebhookAllowlist: config.systemWebhookAllowlist,
      lookupUser: async (id) => {
        if (!directory) throw notConfigured("DOJO_URL and DOJO_API_KEY must be set to look up other users");
        const user = await directory.user(id);
        return user && { id: user.id, username: user.username, email: user.email, isSuperuser: user.isSuperuser };
      },
      sendTestNotification: (channel) => sendTestNotification({ db, settings, worker, dojoUrl: config.dojoUrl, metrics }, channel),
      requeueFailedDelivery: async (id) => {
        const requeued = await requeueFailed(db, id, Date.now());
        if (requeued) wakeWorkers();
        return requeued;
      },
      rules,
      dojoApiConfigured: directory !== null,
      previewRouting: (event) => previewRoutes({ rules, settings, facts: directory }, event),
      defectDojo: dojoAccess,
    },
  });
  await graphql.start();

  if (config.webhookHeaderValue === null) {
    logger.warn(
      "WEBHOOK_HEADER_VALUE is not set: POST /webhooks/defectdojo refuses every request with 401 until it is",
    );
  }
  // Set on SIGTERM: /readyz then fails while the server still takes webhooks.
  let draining = false;
  const requestRoutes = {
    "/webhooks/defectdojo": {
      POST: createWebhookReceiver({
        headerName: config.webhookHeaderName,
        headerValue: config.webhookHeaderValue,
        maxBodyBytes: config.webhookMaxBytes,
        logger,
        accept: (event, rawBody) => intake.accept(event, rawBody),
        keepAside: createKeepAside({ db, metrics }),
        // Only DefectDojo's own webhooks hold the background work back: a flood of unauthenticated requests does not.
        authenticated: () => pressure.webhookArrived(),
      }),
    },
    "/graphql": { GET: graphql.handle, POST: graphql.handle },
    // The admin web page (src/admin-ui), built by `npm run build`; it talks to /graphql only.
    ...adminRoutes(),
  };
  const server = createHttpServer(
    {
      ...(takesRequests ? requestRoutes : {}),
      "/healthz": { GET: createHealthHandler(db, poller) },
      "/readyz": { GET: createReadinessHandler({ db, dojoUrl: config.dojoUrl, webhookStatus, draining: () => draining }) },
      "/metrics": { GET: createMetricsHandler(metrics) },
    },
    logger,
    metrics,
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, options.host, resolve);
  });
  if (sends) {
    await worker.start();
    fanout.start();
    digests.start();
    poller?.start();
    webhookWatch?.start();
  }
  const retention = sends
    ? startRetention({ db, retentionDays: config.retentionDays, logger: logger.child({ component: "retention" }), metrics })
    : null;
  // Work stored by web processes (RELAY_ROLE=web) is heard of at once, not at the next poll.
  const workListener = sends && config.database.type === "postgres" ? listenForWork(config.database.url, wakeWorkers, logger) : null;

  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host ?? "127.0.0.1"}:${port}`;
  logger.info(
    { port, role, adminUrl: takesRequests ? `${url}/admin` : undefined, database: config.database.type === "sqlite" ? config.database.path : "postgres" },
    "dojo relay listening",
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await serverClosed;
      await workListener?.close();
      if (sends) await webhookWatch?.stop();
      await poller?.stop();
      await retention?.stop();
      await fanout.stop();
      await digests.stop();
      await worker.stop();
      pressure.stop();
      await graphql.stop();
      await Promise.all([...channels.values()].map((channel) => channel.close?.()));
      await dataSource.destroy();
      logger.info("dojo relay stopped");
    })());
  return {
    url,
    port,
    logger,
    close,
    async drainAndClose(drainMs) {
      if (!draining && drainMs > 0) {
        draining = true;
        logger.info({ drainMs }, "draining: /readyz fails, webhooks are still taken until the load balancer stops sending");
        await new Promise((resolve) => setTimeout(resolve, drainMs));
      }
      await close();
    },
  };
}

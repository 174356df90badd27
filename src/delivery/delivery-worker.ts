import { performance } from "node:perf_hooks";
import { Channel } from "../vocabulary/channel";
import { MessageTemplate } from "../channels/message-template";
import { ChannelSettings, NotificationChannel, Recipient } from "../channels/channel";
import { DeliveryTuning } from "../config/config";
import { DojoEvent } from "../events/dojo-event";
import { Logger } from "../logging/logger";
import { Metrics } from "../metrics/metrics";
import { redactSecrets } from "../logging/redact";
import { Database } from "../storage/database";
import { DeliveryEntity, DeliveryStatus } from "../storage/entities/delivery.entity";
import { EventEntity } from "../storage/entities/event.entity";
import { presentedEvent } from "../routing/presentation";
import { PreferencesStore } from "../storage/preferences-store";
import { SecretBox, secretFields } from "../storage/secret-box";
import { TemplateStore } from "../storage/template-store";
import { SettingsStore, SystemSettingsWithSecrets } from "../storage/settings-store";
import { retryDelayMs } from "./backoff";
import { DeliveryError } from "../channels/delivery-error";
import { attemptRecorder, claimById, claimDue, holdUnchecked, postpone, releaseAllLeases, targetKey } from "./outbox";
import { RecipientCheck, RecipientVerdict } from "./recipient-check";
import { TargetPacer } from "./pacing";
import { IngestPressure, NO_PRESSURE } from "./ingest-first";
import { inTurns } from "./in-turns";
import { WakeableLoop } from "./wakeable-loop";

/** A crashed worker's rows come back after this long; a live one finishes a send well within it. */
export const LEASE_MS = 30_000;
/** A personal message whose recipient cannot be checked (DefectDojo unreadable) waits at most this long between tries, as fan-out does. */
export const RECHECK_MAX_HOLD_MS = 5 * 60_000;

/**
 * Sends in flight to one personal target (a user's own webhook, address or Slack DM), whatever
 * DELIVERY_MAX_IN_FLIGHT_PER_TARGET says: a user's endpoint may be slow on purpose, and must not
 * take more of the worker's slots than this.
 */
export const PERSONAL_MAX_IN_FLIGHT_PER_TARGET = 2;

/**
 * While webhooks wait (see IngestPressure), a claim takes at most BUSY_CONCURRENCY sends and comes
 * BUSY_CLAIM_INTERVAL_MS after the last: at most 40 sends a second, whatever the targets' speed. A
 * bound on sends in flight alone let fast targets take half the loop (each send is a claim, a
 * request and a commit on this thread); its messages wait in the outbox instead, and still move.
 */
export const BUSY_CONCURRENCY = 4;
export const BUSY_CLAIM_INTERVAL_MS = 100;

/**
 * Rows of a claim started in one turn of the event loop. Starting a send (its checks, the message,
 * the request) runs until the request is on its way; a claim of DELIVERY_CONCURRENCY started at
 * once held a webhook arriving meanwhile for all of them.
 */
const SENDS_PER_TURN = 4;

/** How long a claim after a send waits for other sends to end and join it. */
const CLAIM_GATHER_MS = 2;

export interface DeliveryWorkerDeps {
  db: Database;
  settings: SettingsStore;
  /** Personal recipients' contact data (their Teams URL) is read from here at send time. */
  preferences: PreferencesStore;
  /** Opens the sealed Teams URL a rule's delivery carries. */
  secretBox: SecretBox;
  /** Administrators' message templates, read at send time. */
  templates: TemplateStore;
  channels: ReadonlyMap<Channel, NotificationChannel>;
  tuning: DeliveryTuning;
  logger: Logger;
  /**
   * Checks a personal message's recipient again just before it is sent (still there, active, may
   * view it). Null without DefectDojo's API: personal messages left from when it was set are skipped.
   */
  recipients?: RecipientCheck | null;
  /** Counts each attempt's outcome (dojo_relay_deliveries_total). */
  metrics?: Metrics;
  /** While webhooks wait, at most BUSY_CONCURRENCY sends start every BUSY_CLAIM_INTERVAL_MS. */
  pressure?: IngestPressure;
  now?: () => number;
}

/**
 * Sends what the outbox holds. The only place that retries: a channel makes one attempt and says
 * whether it is worth another; this worker schedules it (exponential backoff with jitter, never
 * earlier than a Retry-After) or marks the row FAILED with the reason. A 429 pauses that target for
 * every row, not just the one that hit it. At most `concurrency` sends are in flight, and at most
 * `maxInFlightPerTarget` to one target: a slow target cannot take every slot, and a crash can send
 * again only what was in flight. Sends to one Slack channel are paced `slackChannelIntervalMs`
 * apart by postponing rows, so a channel's backlog leaves the due set instead of holding up others.
 */
export class DeliveryWorker {
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  /** Sends in flight by `targetKey`, for the per-target bound. */
  private readonly inFlightPerTarget = new Map<string, number>();
  /** The keys of `inFlightPerTarget` that are personal targets (their bound is PERSONAL_MAX_IN_FLIGHT_PER_TARGET). */
  private readonly personalInFlight = new Set<string>();
  private readonly pausedUntil = new Map<string, number>();
  /**
   * The events of rows in flight, by id, and how many of those rows each has: a claim shares them
   * instead of reading them again (a re-import's event can be tens of MB once parsed).
   */
  private readonly eventsInFlight = new Map<number, EventEntity>();
  private readonly rowsPerEventInFlight = new Map<number, number>();
  /** Per process: each replica paces its own sends (see TargetPacer). */
  private readonly slackPacer: TargetPacer;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly loop: WakeableLoop;
  private readonly recordAttempt: ReturnType<typeof attemptRecorder>;
  /** While DefectDojo could not be read for a re-check: personal messages wait until then without asking it again. */
  private recheckBlockedUntil = 0;
  private recheckFailures = 0;
  /** The claim that sends ending now wait for (see claimIn). */
  private claimSoon: NodeJS.Timeout | undefined;
  /** When the last claim was made (performance.now()), for BUSY_CLAIM_INTERVAL_MS. */
  private lastClaimAt = -Infinity;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.recordAttempt = attemptRecorder(deps.db);
    this.now = deps.now ?? Date.now;
    this.slackPacer = new TargetPacer(deps.tuning.slackChannelIntervalMs);
    this.loop = new WakeableLoop(
      () => this.tick(),
      (error) => deps.logger.error({ err: error }, "delivery worker could not read the outbox"),
    );
  }

  async start(): Promise<void> {
    if (!this.deps.db.sharedByReplicas) await releaseAllLeases(this.deps.db);
    this.loop.start(this.deps.tuning.pollIntervalMs);
  }

  /** Looks for due rows now (called after new rows are stored). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops taking work and waits for the sends in flight to finish; unsent rows stay in the outbox. */
  async stop(): Promise<void> {
    await this.loop.stop();
    clearTimeout(this.claimSoon);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Makes the first attempt of one row right away and returns the row as it then stands. An
   * admin's test send is not held back by the per-target bound (it may be one over) or by Slack
   * pacing, but counts for both.
   */
  async deliverNow(id: number): Promise<DeliveryEntity | null> {
    const row = await claimById(this.deps.db, id, this.now(), LEASE_MS);
    if (row?.channel === Channel.SLACK) this.slackPacer.take(targetKey(row), this.now());
    if (row) await this.send(row, this.readSendContext());
    return this.deps.db.manager.findOne(DeliveryEntity, { where: { id }, relations: { event: true } });
  }

  private async tick(): Promise<void> {
    const { concurrency } = this.deps.tuning;
    const busy = (this.deps.pressure ?? NO_PRESSURE).busy();
    if (busy) {
      const wait = this.lastClaimAt + BUSY_CLAIM_INTERVAL_MS - performance.now();
      if (wait > 0) return this.claimIn(wait);
    }
    const free = (busy ? Math.min(concurrency, BUSY_CONCURRENCY) : concurrency) - this.inFlight.size;
    if (free <= 0) return;
    this.lastClaimAt = performance.now();
    const rows = await claimDue(this.deps.db, free, this.now(), LEASE_MS, {
      max: this.deps.tuning.maxInFlightPerTarget,
      inFlight: this.inFlightPerTarget,
      maxPersonal: PERSONAL_MAX_IN_FLIGHT_PER_TARGET,
      personal: this.personalInFlight,
    }, this.eventsInFlight);
    // Read once for the rows claimed together (the secrets decrypted once), yet fresh for each claim.
    const context = rows.length > 0 ? this.readSendContext() : null;
    let postponed = false;
    await inTurns(rows, SENDS_PER_TURN, async (row) => {
      const key = targetKey(row);
      const now = this.now();
      // A 429 pause wins over pacing.
      let later = this.pausedUntil.get(key) ?? 0;
      if (later > now) this.slackPacer.forget(key, row.id);
      else later = row.channel === Channel.SLACK ? this.slackPacer.slot(key, row.id, now) : now;
      if (later > now) {
        // Not an attempt; the row leaves the due set, so the next claim reaches other targets' rows.
        await postpone(this.deps.db, row.id, later);
        this.wakeAt(later);
        postponed = true;
      } else {
        void this.send(row, context!).then(
          () => this.claimIn(CLAIM_GATHER_MS),
          // The row keeps its lease and is retried when the lease expires.
          (error) => this.deps.logger.error({ err: error, deliveryId: row.id }, "could not record a delivery attempt"),
        );
      }
    });
    // Rows behind the postponed ones may be due now; no send's end need come to wake for them.
    if (postponed) this.wake();
  }

  /**
   * Claims again in `ms` unless a claim is already coming: a moment after a send ends, so the sends
   * ending meanwhile share that claim (each claim is a transaction and a scan of the due rows, and a
   * claim per send made those much of a delivery's cost; a target's free slot is filled within
   * CLAIM_GATHER_MS), or when BUSY_CLAIM_INTERVAL_MS has passed.
   */
  private claimIn(ms: number): void {
    if (this.claimSoon) return;
    this.claimSoon = setTimeout(() => {
      this.claimSoon = undefined;
      this.wake();
    }, ms);
  }

  /** Settings and templates as they are now, for the rows of one claim. */
  private async readSendContext(): Promise<SendContext> {
    const [settings, templates] = await Promise.all([this.deps.settings.systemSettings(), this.deps.templates.list()]);
    return { settings, templates: new Map(templates.map((stored) => [`${stored.event}|${stored.channel}`, stored])) };
  }

  private send(row: DeliveryEntity, context: Promise<SendContext>): Promise<void> {
    const key = targetKey(row);
    this.inFlightPerTarget.set(key, (this.inFlightPerTarget.get(key) ?? 0) + 1);
    if (row.recipientUserId !== null) this.personalInFlight.add(key);
    const event = row.event;
    if (event) this.holdEvent(event);
    return this.track(this.attempt(row, context)).finally(() => {
      if (event) this.releaseEvent(event);
      const left = (this.inFlightPerTarget.get(key) ?? 1) - 1;
      if (left > 0) this.inFlightPerTarget.set(key, left);
      else {
        this.inFlightPerTarget.delete(key);
        this.personalInFlight.delete(key);
      }
    });
  }

  private holdEvent(event: EventEntity): void {
    this.eventsInFlight.set(event.id, event);
    this.rowsPerEventInFlight.set(event.id, (this.rowsPerEventInFlight.get(event.id) ?? 0) + 1);
  }

  private releaseEvent(event: EventEntity): void {
    const left = (this.rowsPerEventInFlight.get(event.id) ?? 1) - 1;
    if (left > 0) this.rowsPerEventInFlight.set(event.id, left);
    else {
      this.rowsPerEventInFlight.delete(event.id);
      this.eventsInFlight.delete(event.id);
    }
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async attempt(row: DeliveryEntity, contextNow: Promise<SendContext>): Promise<void> {
    const { channels, tuning, logger } = this.deps;
    const attempts = row.attempts + 1;
    const log = logger.child({ deliveryId: row.id, eventId: row.eventId, channel: row.channel, attempt: attempts });
    let event = row.event?.data;
    if (row.recipientUserId !== null && event) {
      const verdict = await this.recheck(row, row.recipientUserId, event, log);
      if (!verdict || "skip" in verdict) return;
      event = verdict.send;
    }
    let secrets: Array<string | null> = [];
    try {
      const { settings: current, templates } = await contextNow;
      // A rule's Teams target carries its own sealed URL; the system one is in the settings.
      // Sealed for the rule's target, whose label is this row's target.
      const msteamsUrl = row.targetSecret ? this.deps.secretBox.open(row.targetSecret, secretFields.ruleTeamsUrl(row.target)) : current.msteamsUrl;
      const channelSettings: ChannelSettings = { slackToken: current.slackToken, slackUsername: current.slackUsername, msteamsUrl };
      secrets = [current.slackToken, current.msteamsUrl, msteamsUrl];
      let recipient: Recipient | undefined;
      if (row.recipientUserId !== null) {
        const contact = await this.deps.preferences.contact(row.recipientUserId);
        recipient = { userId: row.recipientUserId, msteamsUrl: contact.msteamsUrl };
        secrets.push(contact.msteamsUrl);
      }
      const channel = channels.get(row.channel);
      if (!channel) throw new DeliveryError("not_configured", `no channel named ${row.channel}`, false);
      if (!row.event || !event) throw new DeliveryError("client_error", "the event of this delivery is missing", false);
      // Templates are per DefectDojo event; a digest has its own shape.
      const template = event.digest ? null : (templates.get(`${event.setting}|${row.channel}`) ?? null);
      await channel.send({
        event: presentedEvent(event, row.presentation),
        target: row.target,
        settings: channelSettings,
        recipient,
        linkOnly: row.presentation?.linkOnly ?? false,
        template,
      });
      const now = this.now();
      this.answered(row, now);
      await this.recordAttempt(row.id, { status: DeliveryStatus.SENT, attempts, lastError: null, nextAttemptAt: now, now });
      log.info({ event: row.event.name, target: row.target }, "delivered");
      this.deps.metrics?.deliveryAttempted(row.channel, "sent");
    } catch (caught) {
      const error = asDeliveryError(caught);
      const reason = redactSecrets(`${error.kind}: ${error.message}`, secrets);
      const now = this.now();
      this.answered(row, now);
      if (error.kind === "rate_limited" && error.retryAfterMs !== undefined) {
        this.pausedUntil.set(targetKey(row), now + error.retryAfterMs);
      }
      const giveUp = !error.retryable || attempts >= tuning.maxAttempts;
      const delay = Math.max(
        error.retryAfterMs ?? 0,
        retryDelayMs(attempts, tuning.retryBaseMs, tuning.maxRetryDelayMs),
      );
      await this.recordAttempt(row.id, {
        status: giveUp ? DeliveryStatus.FAILED : DeliveryStatus.RETRYING,
        attempts,
        lastError: giveUp && error.retryable ? `gave up after ${attempts} attempts: ${reason}` : reason,
        nextAttemptAt: giveUp ? now : now + delay,
        now,
      });
      this.deps.metrics?.deliveryAttempted(row.channel, giveUp ? "failed" : "retry", error.kind);
      if (giveUp) log.warn({ reason }, "delivery failed");
      else {
        log.info({ reason, retryInMs: delay }, "delivery will be retried");
        this.wakeAt(now + delay);
      }
    }
  }

  /**
   * Fan-out checked who may see the event when it came in; a personal message can be sent much later
   * (a digest window, quiet hours, retries, retryDelivery). So it is checked again here: a recipient
   * no longer there, no longer active or no longer allowed to view what it is about ends SKIPPED,
   * saying why, and is never sent. A message held or sent again is checked with DefectDojo's answers
   * read after it was last held or tried (`updatedAt`); a first attempt right after fan-out uses the
   * directory's cache (at most a minute old), as fan-out did, so a burst costs DefectDojo nothing
   * more. Returns null when the row was held because DefectDojo could not be read (never sent
   * unchecked, never dropped), or the skip it recorded.
   */
  private async recheck(row: DeliveryEntity, userId: number, event: DojoEvent, log: Logger): Promise<RecipientVerdict | null> {
    const check = this.deps.recipients;
    let verdict: RecipientVerdict;
    if (!check) {
      verdict = { skip: "not_checkable", reason: "recipient cannot be checked: DOJO_URL and DOJO_API_KEY are not both set" };
    } else {
      const now = this.now();
      if (now < this.recheckBlockedUntil) return this.holdUnchecked(row, this.recheckBlockedUntil, null, log);
      const heldOrRepeated = row.event?.source === "digest" || row.updatedAt > row.createdAt;
      try {
        verdict = await check({ recipientUserId: userId, event, since: heldOrRepeated ? row.updatedAt : undefined });
        this.recheckFailures = 0;
      } catch (error) {
        this.recheckFailures += 1;
        const delay = retryDelayMs(this.recheckFailures, this.deps.tuning.retryBaseMs, RECHECK_MAX_HOLD_MS);
        this.recheckBlockedUntil = this.now() + delay;
        return this.holdUnchecked(row, this.recheckBlockedUntil, error instanceof Error ? error.message : String(error), log);
      }
    }
    if ("skip" in verdict) {
      const now = this.now();
      await this.recordAttempt(row.id, { status: DeliveryStatus.SKIPPED, attempts: row.attempts, lastError: verdict.reason, nextAttemptAt: now, now });
      this.deps.metrics?.deliveryAttempted(row.channel, "skipped", verdict.skip);
      log.info({ recipientUserId: userId, reason: verdict.reason }, "personal delivery skipped");
    } else if (verdict.droppedEntries > 0) {
      log.info({ recipientUserId: userId, droppedEntries: verdict.droppedEntries }, "digest entries the recipient may no longer view left out");
    }
    return verdict;
  }

  private async holdUnchecked(row: DeliveryEntity, until: number, reason: string | null, log: Logger): Promise<null> {
    const note = `held: DefectDojo could not be read to check the recipient again${reason ? ` (${reason})` : ""}`;
    await holdUnchecked(this.deps.db, row.id, until, note);
    if (reason) log.warn({ reason, retryInMs: until - this.now() }, "personal deliveries held: DefectDojo could not be read to check their recipients");
    this.wakeAt(until);
    return null;
  }

  /** Paces from what Slack saw: a request held up on its way (the event loop, the network) then shortens no gap. */
  private answered(row: DeliveryEntity, now: number): void {
    if (row.channel === Channel.SLACK) this.slackPacer.answered(targetKey(row), now);
  }

  private wakeAt(time: number): void {
    if (this.loop.isStopped) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      // Timers run on the monotonic clock and may fire a millisecond before the wall clock reaches
      // `time`: the claim would then find the row not yet due and it would wait for the next poll.
      if (this.now() < time) this.wakeAt(time);
      else this.wake();
    }, Math.max(0, time - this.now()));
    this.retryTimers.add(timer);
  }
}

interface SendContext {
  settings: SystemSettingsWithSecrets;
  /** By `event|channel`. */
  templates: ReadonlyMap<string, MessageTemplate>;
}

function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError("network_error", message, true);
}

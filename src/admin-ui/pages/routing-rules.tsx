import { useState } from "preact/hooks";
import {
  CheckboxField,
  Errors,
  KEEP,
  Loading,
  SecretEdit,
  SecretField,
  secretInput,
  SelectField,
  splitList,
  Status,
  TextField,
  useAction,
  useLoad,
} from "../components";
import {
  Channel,
  CHANNEL_LABELS,
  CHANNELS,
  DIGEST_GROUP_BY_LABELS,
  DigestGroupBy,
  eventLabel,
  EVENTS,
  Severity,
  SEVERITIES,
  SEVERITY_LABELS,
} from "../labels";
import { OPERATIONS } from "../operations";
import type { PageProps } from "../session";

interface RouteTarget {
  channel: Channel;
  slackChannel: string | null;
  emails: string[];
  msteamsUrlSet: boolean;
  msteamsLabel: string | null;
}

interface RoutingRule {
  id: string;
  name: string;
  position: number;
  events: string[];
  productTypeIds: number[];
  productIds: number[];
  engagementIds: number[];
  minSeverity: Severity | null;
  tags: string[];
  verified: boolean | null;
  active: boolean | null;
  continue: boolean;
  targets: RouteTarget[];
  digestWindowSeconds: number;
  digestGroupBy: DigestGroupBy;
  linkOnly: boolean;
}

interface RoutePreview {
  channel: Channel;
  target: string;
  ruleName: string | null;
  digestWindowSeconds: number;
}

/** Gap between positions the page assigns, so a rule can later be put between two without renumbering. */
const POSITION_STEP = 10;

/** A rule as RoutingRuleInput; a Teams target without a URL keeps the stored one in the same place. */
function inputOf(rule: RoutingRule): Record<string, unknown> {
  return {
    name: rule.name,
    position: rule.position,
    events: rule.events,
    productTypeIds: rule.productTypeIds,
    productIds: rule.productIds,
    engagementIds: rule.engagementIds,
    minSeverity: rule.minSeverity,
    tags: rule.tags,
    verified: rule.verified,
    active: rule.active,
    continue: rule.continue,
    targets: rule.targets.map((t) =>
      t.channel === "SLACK" ? { channel: t.channel, slackChannel: t.slackChannel } : t.channel === "MAIL" ? { channel: t.channel, emails: t.emails } : { channel: t.channel },
    ),
    digestWindowSeconds: rule.digestWindowSeconds,
    digestGroupBy: rule.digestGroupBy,
    linkOnly: rule.linkOnly,
  };
}

/** Superusers' routing rules: evaluated in order, each sending what it matches to its targets. */
export function RoutingRulesPage({ api }: PageProps) {
  const rules = useLoad(() => api.request<{ routingRules: RoutingRule[] }>(OPERATIONS.routingRules).then((d) => d.routingRules));
  // null: the list; "new": the form for a new rule; a rule: the form editing it.
  const [editing, setEditing] = useState<RoutingRule | "new" | null>(null);
  const list = useAction();
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);

  if (!rules.data) return <Loading errors={rules.errors} />;
  const all = rules.data;

  if (editing) {
    const nextPosition = all.length ? Math.max(...all.map((r) => r.position)) + POSITION_STEP : POSITION_STEP;
    return (
      <RuleForm
        api={api}
        rule={editing === "new" ? null : editing}
        defaultPosition={nextPosition}
        onDone={(saved) => {
          setEditing(null);
          if (saved) rules.reload();
        }}
      />
    );
  }

  // Moving renumbers the list 10, 20, 30 … in the new order, updating only the rules whose position
  // changes: equal positions (kept in creation order) cannot be swapped otherwise.
  const move = (index: number, by: -1 | 1) =>
    list.run(async () => {
      const order = [...all];
      const [rule] = order.splice(index, 1);
      order.splice(index + by, 0, rule);
      for (const [i, r] of order.entries()) {
        const position = (i + 1) * POSITION_STEP;
        if (r.position !== position) await api.request(OPERATIONS.updateRoutingRule, { id: r.id, input: { ...inputOf(r), position } });
      }
      rules.reload();
      return `Moved “${rule.name}” ${by < 0 ? "up" : "down"}.`;
    });

  const remove = (rule: RoutingRule) =>
    list.run(async () => {
      setConfirmDelete(null);
      await api.request(OPERATIONS.deleteRoutingRule, { id: rule.id });
      rules.reload();
      return `Deleted “${rule.name}”.`;
    });

  return (
    <>
      <p class="intro">
        Rules are evaluated in this order for every DefectDojo event. The first one that matches sends it to its targets;
        a rule with “continue” lets later rules match too. Events no rule matches follow System Notifications.
      </p>
      <div class="actions">
        <button type="button" onClick={() => setEditing("new")}>
          New rule
        </button>
      </div>
      <Errors errors={list.errors} />
      <Status message={list.status} />
      {all.length === 0 ? <p>No routing rules yet.</p> : null}
      <ol class="rules">
        {all.map((rule, index) => (
          <li key={rule.id} class="rule">
            <h2>
              {rule.name} <span class="sub">position {rule.position}</span>
            </h2>
            <RuleSummary rule={rule} />
            <div class="actions">
              <button type="button" onClick={() => setEditing(rule)}>
                Edit<span class="visually-hidden"> {rule.name}</span>
              </button>
              <button type="button" onClick={() => move(index, -1)} disabled={index === 0 || list.busy}>
                Move up<span class="visually-hidden"> {rule.name}</span>
              </button>
              <button type="button" onClick={() => move(index, 1)} disabled={index === all.length - 1 || list.busy}>
                Move down<span class="visually-hidden"> {rule.name}</span>
              </button>
              {confirmDelete === rule.id ? (
                <>
                  <button type="button" class="danger" onClick={() => remove(rule)} disabled={list.busy}>
                    Really delete “{rule.name}”
                  </button>
                  <button type="button" onClick={() => setConfirmDelete(null)}>
                    Keep it
                  </button>
                </>
              ) : (
                <button type="button" onClick={() => setConfirmDelete(rule.id)}>
                  Delete<span class="visually-hidden"> {rule.name}</span>
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>
      <Preview api={api} />
    </>
  );
}

function describeTarget(target: RouteTarget): string {
  if (target.channel === "SLACK") return `Slack ${target.slackChannel ?? ""}`;
  if (target.channel === "MAIL") return `Mail to ${target.emails.join(", ")}`;
  return `Microsoft Teams ${target.msteamsLabel ?? (target.msteamsUrlSet ? "(URL set)" : "(no URL)")}`;
}

function either(value: boolean | null, yes: string, no: string): string | null {
  return value === null ? null : value ? yes : no;
}

function RuleSummary({ rule }: { rule: RoutingRule }) {
  const conditions = [
    rule.events.length ? `events: ${rule.events.map(eventLabel).join(", ")}` : "every event",
    rule.productTypeIds.length ? `product types ${rule.productTypeIds.join(", ")}` : null,
    rule.productIds.length ? `products ${rule.productIds.join(", ")}` : null,
    rule.engagementIds.length ? `engagements ${rule.engagementIds.join(", ")}` : null,
    rule.minSeverity ? `${SEVERITY_LABELS[rule.minSeverity]} or worse` : null,
    rule.tags.length ? `tagged ${rule.tags.join(", ")}` : null,
    either(rule.verified, "verified", "not verified"),
    either(rule.active, "active", "not active"),
  ].filter((part): part is string => part !== null);
  const how = [
    rule.digestWindowSeconds ? `digest every ${rule.digestWindowSeconds} s (${DIGEST_GROUP_BY_LABELS[rule.digestGroupBy].toLowerCase()})` : "sent at once",
    rule.linkOnly ? "link-only" : null,
    rule.continue ? "continue to later rules" : "stop here",
  ].filter((part): part is string => part !== null);
  return (
    <dl class="facts">
      <dt>Matches</dt>
      <dd>{conditions.join("; ")}</dd>
      <dt>Sends to</dt>
      <dd>{rule.targets.map(describeTarget).join("; ")}</dd>
      <dt>How</dt>
      <dd>{how.join("; ")}</dd>
    </dl>
  );
}

interface TargetDraft {
  channel: Channel;
  slackChannel: string;
  emails: string;
  /** Whether the stored rule has a Teams URL in this place (only for targets loaded from it). */
  msteamsUrlSet: boolean;
  msteamsUrl: SecretEdit;
}

type Tristate = "" | "true" | "false";

interface RuleDraft {
  name: string;
  position: string;
  events: string[];
  productTypeIds: string;
  productIds: string;
  engagementIds: string;
  minSeverity: Severity | "";
  tags: string;
  verified: Tristate;
  active: Tristate;
  continue: boolean;
  targets: TargetDraft[];
  digestWindowSeconds: string;
  digestGroupBy: DigestGroupBy;
  linkOnly: boolean;
}

const tristate = (value: boolean | null): Tristate => (value === null ? "" : value ? "true" : "false");
const fromTristate = (value: Tristate): boolean | null => (value === "" ? null : value === "true");

function draftOf(rule: RoutingRule | null, defaultPosition: number): RuleDraft {
  return {
    name: rule?.name ?? "",
    position: String(rule?.position ?? defaultPosition),
    events: rule?.events ?? [],
    productTypeIds: rule?.productTypeIds.join(", ") ?? "",
    productIds: rule?.productIds.join(", ") ?? "",
    engagementIds: rule?.engagementIds.join(", ") ?? "",
    minSeverity: rule?.minSeverity ?? "",
    tags: rule?.tags.join(", ") ?? "",
    verified: tristate(rule?.verified ?? null),
    active: tristate(rule?.active ?? null),
    continue: rule?.continue ?? false,
    targets: (rule?.targets ?? [{ channel: "SLACK", slackChannel: "", emails: [], msteamsUrlSet: false, msteamsLabel: null }]).map((t) => ({
      channel: t.channel,
      slackChannel: t.slackChannel ?? "",
      emails: t.emails.join(", "),
      msteamsUrlSet: t.msteamsUrlSet,
      msteamsUrl: KEEP,
    })),
    digestWindowSeconds: String(rule?.digestWindowSeconds ?? 0),
    digestGroupBy: rule?.digestGroupBy ?? "NONE",
    linkOnly: rule?.linkOnly ?? false,
  };
}

/** "1, 2, 3" as numbers; anything that is not a whole number is sent as it is, for the API to refuse by name. */
function idList(text: string): unknown[] {
  return splitList(text).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function RuleForm(props: { api: PageProps["api"]; rule: RoutingRule | null; defaultPosition: number; onDone(saved: boolean): void }) {
  const { api, rule } = props;
  const [draft, setDraft] = useState(() => draftOf(rule, props.defaultPosition));
  const save = useAction();
  const set = <K extends keyof RuleDraft>(key: K) => (value: RuleDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const setTarget = (index: number, change: Partial<TargetDraft>) =>
    setDraft((d) => ({ ...d, targets: d.targets.map((t, i) => (i === index ? { ...t, ...change } : t)) }));

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void save.run(async () => {
      const input = {
        name: draft.name.trim(),
        position: Number(draft.position),
        events: draft.events,
        productTypeIds: idList(draft.productTypeIds),
        productIds: idList(draft.productIds),
        engagementIds: idList(draft.engagementIds),
        minSeverity: draft.minSeverity || null,
        tags: splitList(draft.tags),
        verified: fromTristate(draft.verified),
        active: fromTristate(draft.active),
        continue: draft.continue,
        targets: draft.targets.map((t) =>
          t.channel === "SLACK"
            ? { channel: t.channel, slackChannel: t.slackChannel.trim() }
            : t.channel === "MAIL"
              ? { channel: t.channel, emails: splitList(t.emails) }
              : { channel: t.channel, msteamsUrl: secretInput(t.msteamsUrl) },
        ),
        digestWindowSeconds: Number(draft.digestWindowSeconds),
        digestGroupBy: draft.digestGroupBy,
        linkOnly: draft.linkOnly,
      };
      if (rule) await api.request(OPERATIONS.updateRoutingRule, { id: rule.id, input });
      else await api.request(OPERATIONS.createRoutingRule, { input });
      props.onDone(true);
    });
  };

  const yesNoEither = [
    ["", "Either"],
    ["true", "Yes"],
    ["false", "No"],
  ] as const;

  return (
    <form onSubmit={onSubmit} class="settings">
      <h2>{rule ? `Edit “${rule.name}”` : "New rule"}</h2>
      <fieldset>
        <legend>Rule</legend>
        <TextField id="rule-name" label="Name" value={draft.name} onInput={set("name")} required />
        <TextField
          id="rule-position"
          label="Position"
          type="number"
          min={0}
          max={1000000}
          value={draft.position}
          onInput={set("position")}
          hint="Evaluation order, lowest first; equal positions in creation order."
        />
      </fieldset>
      <fieldset>
        <legend>Events</legend>
        <p class="hint">None checked: every event.</p>
        <div class="checkbox-grid">
          {EVENTS.map((event) => (
            <CheckboxField
              key={event}
              id={`rule-event-${event}`}
              label={eventLabel(event)}
              checked={draft.events.includes(event)}
              onChange={(on) => set("events")(EVENTS.filter((e) => (e === event ? on : draft.events.includes(e))))}
            />
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Conditions</legend>
        <TextField id="rule-product-types" label="Product type ids" value={draft.productTypeIds} onInput={set("productTypeIds")} hint="DefectDojo ids, separated by commas; empty: any." />
        <TextField id="rule-products" label="Product ids" value={draft.productIds} onInput={set("productIds")} hint="Empty: any." />
        <TextField id="rule-engagements" label="Engagement ids" value={draft.engagementIds} onInput={set("engagementIds")} hint="Empty: any." />
        <SelectField
          id="rule-min-severity"
          label="Minimum severity"
          value={draft.minSeverity}
          options={[["", "Any"], ...SEVERITIES.map((s) => [s, `${SEVERITY_LABELS[s]} or worse`] as const)]}
          onChange={set("minSeverity")}
          hint="Events without findings then never match."
        />
        <TextField id="rule-tags" label="Tags" value={draft.tags} onInput={set("tags")} hint="Tags of the product or the finding, separated by commas; any one suffices." />
        <SelectField id="rule-verified" label="Verified" value={draft.verified} options={yesNoEither} onChange={set("verified")} />
        <SelectField id="rule-active" label="Active" value={draft.active} options={yesNoEither} onChange={set("active")} />
      </fieldset>
      <fieldset>
        <legend>Targets</legend>
        {draft.targets.map((target, index) => {
          const n = index + 1;
          return (
            <div class="target" key={index}>
              <SelectField
                id={`target-${n}-channel`}
                label={`Target ${n}: channel`}
                value={target.channel}
                options={CHANNELS.map((c) => [c, CHANNEL_LABELS[c]] as const)}
                onChange={(channel) => setTarget(index, { channel })}
              />
              {target.channel === "SLACK" ? (
                <TextField
                  id={`target-${n}-slack`}
                  label={`Target ${n}: Slack channel`}
                  value={target.slackChannel}
                  onInput={(slackChannel) => setTarget(index, { slackChannel })}
                  hint="#channel or a channel id."
                />
              ) : target.channel === "MAIL" ? (
                <TextField
                  id={`target-${n}-emails`}
                  label={`Target ${n}: e-mail addresses`}
                  value={target.emails}
                  onInput={(emails) => setTarget(index, { emails })}
                  hint="Separated by commas; all on one message."
                />
              ) : (
                <SecretField
                  id={`target-${n}-msteams`}
                  label={`Target ${n}: Teams Workflows URL`}
                  isSet={target.msteamsUrlSet}
                  edit={target.msteamsUrl}
                  onEdit={(msteamsUrl) => setTarget(index, { msteamsUrl })}
                  removable={false}
                />
              )}
              <button
                type="button"
                onClick={() => setDraft((d) => ({ ...d, targets: d.targets.filter((_, i) => i !== index) }))}
                disabled={draft.targets.length === 1}
              >
                Remove target {n}
              </button>
            </div>
          );
        })}
        <button
          type="button"
          onClick={() =>
            setDraft((d) => ({
              ...d,
              targets: [...d.targets, { channel: "SLACK", slackChannel: "", emails: "", msteamsUrlSet: false, msteamsUrl: KEEP }],
            }))
          }
        >
          Add target
        </button>
      </fieldset>
      <fieldset>
        <legend>Delivery</legend>
        <TextField
          id="rule-digest-window"
          label="Digest window (seconds)"
          type="number"
          min={0}
          max={86400}
          value={draft.digestWindowSeconds}
          onInput={set("digestWindowSeconds")}
          hint="0: each event at once; otherwise matching events are gathered into one message per target."
        />
        <SelectField
          id="rule-group-by"
          label="Group by"
          value={draft.digestGroupBy}
          options={(Object.keys(DIGEST_GROUP_BY_LABELS) as DigestGroupBy[]).map((g) => [g, DIGEST_GROUP_BY_LABELS[g]] as const)}
          onChange={set("digestGroupBy")}
        />
        <CheckboxField id="rule-continue" label="Continue to later rules after this one matched" checked={draft.continue} onChange={set("continue")} />
        <CheckboxField
          id="rule-link-only"
          label="Link-only messages"
          checked={draft.linkOnly}
          onChange={set("linkOnly")}
          hint="Only what happened and a link to DefectDojo: no titles or names."
        />
      </fieldset>
      <div class="actions">
        <button type="submit" disabled={save.busy}>
          {rule ? "Save rule" : "Create rule"}
        </button>
        <button type="button" onClick={() => props.onDone(false)}>
          Cancel
        </button>
      </div>
      <Errors errors={save.errors} />
      <Status message={save.status} />
    </form>
  );
}

/** Where an event would go by the rules and settings as they are now; stores and sends nothing. */
function Preview({ api }: { api: PageProps["api"] }) {
  const [event, setEvent] = useState("scan_added");
  const [payload, setPayload] = useState("");
  const [routes, setRoutes] = useState<RoutePreview[] | null>(null);
  const action = useAction();
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      setRoutes(null);
      const { previewRouting } = await api.request<{ previewRouting: RoutePreview[] }>(OPERATIONS.previewRouting, { event: event.trim(), payload });
      setRoutes(previewRouting);
      return previewRouting.length === 0 ? "This event would go nowhere." : `This event would go to ${previewRouting.length} ${previewRouting.length === 1 ? "place" : "places"}.`;
    });
  };
  return (
    <section aria-labelledby="preview-heading" class="preview">
      <h2 id="preview-heading">Preview</h2>
      <form onSubmit={onSubmit} class="settings">
        <TextField id="preview-event" label="Event name" value={event} onInput={setEvent} required hint="As DefectDojo sends it in X-DefectDojo-Event, e.g. scan_added." />
        <div class="field">
          <label for="preview-payload">Payload</label>
          <textarea
            id="preview-payload"
            rows={8}
            value={payload}
            required
            spellcheck={false}
            aria-describedby="preview-payload-hint"
            onInput={(e) => setPayload(e.currentTarget.value)}
          />
          <p class="hint" id="preview-payload-hint">
            A DefectDojo webhook body, as JSON.
          </p>
        </div>
        <div class="actions">
          <button type="submit" disabled={action.busy}>
            Preview
          </button>
        </div>
        <Errors errors={action.errors} />
        <Status message={action.status} />
      </form>
      {routes && routes.length > 0 ? (
        <div class="table-scroll" role="region" aria-labelledby="preview-caption" tabIndex={0}>
          <table>
            <caption id="preview-caption">Where the event would go</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Target</th>
                <th scope="col">Rule</th>
                <th scope="col">Digest window</th>
              </tr>
            </thead>
            <tbody>
              {routes.map((route, index) => (
                <tr key={index}>
                  <td>{CHANNEL_LABELS[route.channel]}</td>
                  <td class="wrap">{route.target}</td>
                  <td>{route.ruleName ?? "none: System Notifications"}</td>
                  <td>{route.digestWindowSeconds ? `${route.digestWindowSeconds} s` : "at once"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

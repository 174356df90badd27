import { Channel } from "../vocabulary/channel";
import { msteamsLabel, RoutingRule, ruleFromEntity, teamsTargetLabel } from "../routing/routing-rule";
import { Database } from "./database";
import { sql } from "./sql";
import { RoutingRuleEntity, StoredRuleTarget } from "./entities/routing-rule.entity";
import { SecretBox, secretFields } from "./secret-box";

/** A target as an administrator writes it; `msteamsUrl` omitted on update keeps the stored URL. */
export interface RuleTargetDraft {
  channel: Channel;
  slackChannel?: string | null;
  msteamsUrl?: string | null;
  emails?: string[] | null;
}

/** A whole rule as written (create and update replace every field). Validated by the caller. */
export interface RuleDraft extends Omit<RoutingRule, "id" | "targets"> {
  targets: RuleTargetDraft[];
}

/** A rule as the API may show it: Teams URLs only as their labels. */
export interface PublicRule extends Omit<RoutingRule, "targets"> {
  targets: Array<{ channel: Channel; slackChannel: string | null; emails: string[]; msteamsUrlSet: boolean; msteamsLabel: string | null }>;
}

export class MissingTeamsUrlError extends Error {}

/** Routing rules, read fresh on every call (a change counts from the next event, on every replica). */
export class RoutingRuleStore {
  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
  ) {}

  /** Every rule in evaluation order: position, then id. */
  async rules(): Promise<RoutingRule[]> {
    return (await this.entities()).map(ruleFromEntity);
  }

  async publicRules(): Promise<PublicRule[]> {
    return (await this.entities()).map(publicRule);
  }

  /** Whether any rule exists: the ingest path asks this once per batch. */
  async anyRule(): Promise<boolean> {
    // Asked for every batch of webhooks: a plain statement, not one TypeORM builds each time.
    const rows: unknown[] = await sql(this.db.manager, "SELECT 1 AS one FROM routing_rule LIMIT 1");
    return rows.length > 0;
  }

  async create(draft: RuleDraft): Promise<PublicRule> {
    const now = Date.now();
    const saved = await this.db.write(async (manager) => {
      // Saved first without targets: a Teams URL is sealed for its target, whose label names the rule's id.
      const row = await manager.save(manager.create(RoutingRuleEntity, { ...this.fields(draft, [], null), createdAt: now, updatedAt: now }));
      return manager.save(Object.assign(row, this.fields(draft, [], row.id)));
    });
    return publicRule(saved);
  }

  /** Replaces a rule; null when there is none with this id. */
  async update(id: number, draft: RuleDraft): Promise<PublicRule | null> {
    const saved = await this.db.write(async (manager) => {
      const row = await manager.findOneBy(RoutingRuleEntity, { id });
      if (!row) return null;
      Object.assign(row, this.fields(draft, row.targets, row.id), { updatedAt: Date.now() });
      return manager.save(row);
    });
    return saved && publicRule(saved);
  }

  async remove(id: number): Promise<boolean> {
    const result = await this.db.write((manager) => manager.delete(RoutingRuleEntity, { id }));
    return (result.affected ?? 0) > 0;
  }

  private entities(): Promise<RoutingRuleEntity[]> {
    return this.db.manager.find(RoutingRuleEntity, { order: { position: "ASC", id: "ASC" } });
  }

  /**
   * The draft as columns. A Teams target without a URL keeps the URL of the old rule's Teams target
   * in the same place. Without the rule's id (before its first save) no Teams target is written.
   */
  private fields(draft: RuleDraft, previous: StoredRuleTarget[], ruleId: number | null): Partial<RoutingRuleEntity> {
    const oldTeams = previous.filter((target) => target.channel === Channel.MSTEAMS);
    const teamsCount = draft.targets.filter((target) => target.channel === Channel.MSTEAMS).length;
    let teamsIndex = 0;
    const targets = draft.targets.flatMap((target): StoredRuleTarget[] => {
      switch (target.channel) {
        case Channel.SLACK:
          return [{ channel: target.channel, slackChannel: target.slackChannel?.trim() ?? "" }];
        case Channel.MAIL:
          return [{ channel: target.channel, emails: target.emails ?? [] }];
        case Channel.MSTEAMS: {
          const index = teamsIndex++;
          // Kept by place only while the rule has as many Teams targets as before: after one was added
          // or removed, "the same place" may be another workflow, and a message would go to the wrong team.
          const kept = oldTeams.length === teamsCount ? oldTeams[index]?.msteamsUrlSealed : undefined;
          if (!target.msteamsUrl && !kept) throw new MissingTeamsUrlError(`Teams target ${index + 1} needs msteamsUrl`);
          if (ruleId === null) return [];
          if (!target.msteamsUrl) return [oldTeams[index]]; // same URL, place and count: the same label it was sealed for
          const stored = { channel: target.channel, msteamsLabel: msteamsLabel(target.msteamsUrl, index, teamsCount) };
          const sealed = this.secrets.seal(target.msteamsUrl, secretFields.ruleTeamsUrl(teamsTargetLabel(stored, ruleId)));
          return [{ ...stored, msteamsUrlSealed: sealed }];
        }
      }
    });
    return {
      name: draft.name,
      position: draft.position,
      events: draft.events,
      productTypeIds: draft.productTypeIds,
      productIds: draft.productIds,
      engagementIds: draft.engagementIds,
      minSeverity: draft.minSeverity,
      tags: draft.tags,
      verified: draft.verified,
      active: draft.active,
      continueMatching: draft.continue,
      targets,
      digestWindowSeconds: draft.digestWindowSeconds,
      digestGroupBy: draft.digestGroupBy,
      linkOnly: draft.linkOnly,
    };
  }
}

function publicRule(row: RoutingRuleEntity): PublicRule {
  const { targets: _targets, ...rule } = ruleFromEntity(row);
  return {
    ...rule,
    targets: row.targets.map((target) => ({
      channel: target.channel,
      slackChannel: target.slackChannel ?? null,
      emails: target.emails ?? [],
      msteamsUrlSet: Boolean(target.msteamsUrlSealed),
      msteamsLabel: target.channel === Channel.MSTEAMS ? teamsTargetLabel(target, row.id) : null,
    })),
  };
}

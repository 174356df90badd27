import { Authorized, Query, Resolver } from "type-graphql";

/**
 * The bot scopes DefectDojo's documentation asks for (docs/content/admin/notifications/
 * email_slack_teams.md): posting (also to public channels the bot has not joined), a custom
 * username, and looking users up by e-mail for personal messages.
 */
export const SLACK_BOT_SCOPES = [
  "chat:write",
  "chat:write.customize",
  "chat:write.public",
  "incoming-webhook",
  "users:read",
  "users:read.email",
] as const;

/**
 * A Slack app manifest (api.slack.com/reference/manifests) for "Create New App > From a manifest".
 * No event subscriptions, interactivity or socket mode: the bridge only calls Slack, Slack never
 * calls the bridge.
 */
export const SLACK_APP_MANIFEST = {
  display_information: {
    name: "Dojo Relay",
    description: "DefectDojo notifications, delivered by Dojo Relay.",
  },
  features: {
    bot_user: { display_name: "Dojo Relay", always_online: true },
  },
  oauth_config: {
    scopes: { bot: [...SLACK_BOT_SCOPES] },
  },
  settings: {
    org_deploy_enabled: false,
    socket_mode_enabled: false,
    token_rotation_enabled: false,
  },
};

@Resolver()
export class SlackManifestResolver {
  @Authorized()
  @Query(() => String, { description: "A Slack app manifest (JSON) with the scopes the bridge needs." })
  slackAppManifest(): string {
    return JSON.stringify(SLACK_APP_MANIFEST, null, 2);
  }
}

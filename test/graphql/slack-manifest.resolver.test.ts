import { errorCodes, graphqlTestbed, READER, Testbed } from "./graphql-testbed";

describe("slackAppManifest", () => {
  let bed: Testbed;
  beforeEach(async () => {
    bed = await graphqlTestbed();
  });
  afterEach(() => bed.close());

  it("gives any authenticated user a manifest with exactly the bot scopes DefectDojo documents", async () => {
    const result = await bed.run(READER, `{ slackAppManifest }`);
    expect(result.errors).toBeUndefined();
    const manifest = JSON.parse(result.data?.slackAppManifest as string);
    expect(manifest.display_information.name).toBe("Dojo Relay");
    expect(manifest.features.bot_user).toBeDefined();
    expect(manifest.oauth_config.scopes.bot).toEqual([
      "chat:write",
      "chat:write.customize",
      "chat:write.public",
      "incoming-webhook",
      "users:read",
      "users:read.email",
    ]);
    expect(manifest.settings).toBeDefined();
    expect(manifest.settings.event_subscriptions).toBeUndefined();
    expect(manifest.settings.interactivity).toBeUndefined();
  });

  it("needs a caller", async () => {
    expect(errorCodes(await bed.run(null, `{ slackAppManifest }`))).toEqual(["UNAUTHENTICATED"]);
  });
});

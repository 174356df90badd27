import { ALL_CHANNELS, Channel } from "../../src/vocabulary/channel";
import { createSlackChannel } from "../../src/channels/slack/slack-channel";
import { createChannels, registerChannels } from "../../src/channels/registry";
import { DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST, parseWebhookAllowlist } from "../../src/channels/msteams/webhook-allowlist";
import { parseWebhookPayload } from "../../src/events/webhook-payload";

describe("channel registry", () => {
  const options = {
    smtpUrl: null,
    mailFrom: "relay@example.com",
    dojoUrl: null,
    personalWebhookAllowlist: parseWebhookAllowlist(DEFAULT_PERSONAL_WEBHOOK_ALLOWLIST),
    systemWebhookAllowlist: parseWebhookAllowlist(""),
  };

  it("has one channel for every Channel id, under its own id", () => {
    const channels = createChannels(options);
    expect([...channels.keys()].sort()).toEqual([...ALL_CHANNELS].sort());
    for (const [id, channel] of channels) expect(channel.id).toBe(id);
  });

  it("hands the configuration to the channels", async () => {
    const mail = createChannels(options).get(Channel.MAIL);
    const ping = parseWebhookPayload("ping", null, { description: "x" });
    const settings = { slackToken: null, slackUsername: "", msteamsUrl: null };
    await expect(mail?.send({ event: ping, target: "a@example.com", settings })).rejects.toMatchObject({
      kind: "not_configured",
      message: expect.stringContaining("SMTP_URL"),
    });
  });

  it("refuses two channels with the same id at start-up", () => {
    const slack = () => createSlackChannel({ dojoUrl: null });
    expect(() => registerChannels([slack(), slack()])).toThrow("two channels have the id SLACK");
    expect(registerChannels([slack()]).size).toBe(1);
  });
});

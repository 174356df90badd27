import { namelessWebhookFixture } from "../support/fixtures";
import { eventually, Peers, RunningRelay, startPeers, startTestRelay } from "../support/relay-harness";

// DefectDojo switches its webhook off for good on a 4xx (3.2 and 2.58.2-changelog dojo/notifications/helper.py,
// send_webhooks_notification: ERROR_PERMANENT), so a body with `engagement.name: null` (Engagement.name is
// nullable, dojo/engagement/models.py) or `test.title: null` (dojo/test/models.py) must be taken and delivered.
describe("a nameless engagement's events through the bridge", () => {
  let peers: Peers;
  let relay: RunningRelay;

  beforeAll(async () => {
    peers = await startPeers();
    relay = await startTestRelay(peers);
    await relay.configureAllChannels();
  });
  afterAll(async () => {
    await relay.close();
    await peers.close();
  });

  it("answers engagement_added and scan_added with 2xx and posts them to Slack with labels", async () => {
    const added = namelessWebhookFixture("engagement_added", "2.x");
    const scan = namelessWebhookFixture("scan_added", "3.x");
    expect((added.engagement as { name: unknown }).name).toBeNull();
    expect((scan.test as { title: unknown }).title).toBeNull();

    for (const [event, body] of [["engagement_added", added], ["scan_added", scan]] as const) {
      const response = await relay.postWebhook(event, body);
      expect([response.status, response.body]).toEqual([202, expect.stringContaining('"accepted"')]);
    }

    const posts = await eventually(() => {
      const calls = peers.slack.callsOf("chat.postMessage");
      return calls.length >= 2 ? calls : undefined;
    });
    const shown = posts.map((call) => {
      const blocks = call.args.blocks as Array<{ text?: { text: string }; fields?: Array<{ text: string }> }>;
      return [String(call.args.text), ...blocks.flatMap((block) => [block.text?.text ?? "", ...(block.fields ?? []).map((field) => field.text)])];
    });
    const engagementPost = shown.find((texts) => texts.some((text) => text.includes("Engagement Added")))!;
    const scanPost = shown.find((texts) => texts.some((text) => text.includes("Scan Added")))!;
    expect(engagementPost.join("\n")).toContain('Engagement created for "notif prod": Engagement 7');
    expect(scanPost.join("\n")).toContain("Created/Updated 4 findings for notif prod: Engagement 7: Acunetix Scan");
    // The facts: the engagement as DefectDojo's Engagement.__str__ begins, the test as Test.__str__ names it (its type).
    expect(engagementPost).toContain("*Engagement*\nEngagement 7");
    expect(scanPost).toEqual(expect.arrayContaining(["*Engagement*\nEngagement 7", "*Test*\nAcunetix Scan"]));
    for (const text of shown.flat()) expect(text).not.toMatch(/\b(null|undefined|None)\b/);
  });
});

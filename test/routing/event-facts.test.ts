import { createDojoClient } from "../../src/defectdojo/dojo-client";
import { createDojoDirectory } from "../../src/defectdojo/directory";
import { NotificationEvent } from "../../src/events/notification-event";
import { parseWebhookPayload } from "../../src/events/webhook-payload";
import { gatherFacts } from "../../src/routing/event-facts";
import { DigestGroupBy } from "../../src/vocabulary/digest-group-by";
import { DojoPeer, startDojoPeer } from "../peers/dojo-peer";
import { webhookFixture } from "../support/fixtures";
import { testRule } from "../support/routing-rules";

// finding_added names only its finding, by link: /finding/232.
const findingAdded = parseWebhookPayload("finding_added", "http://localhost:8080", webhookFixture("finding_added"));

describe("gatherFacts", () => {
  let dojo: DojoPeer;
  beforeEach(async () => {
    dojo = await startDojoPeer();
    dojo.addProductType({ id: 4, name: "notif prod type" });
    dojo.addProduct({ id: 4, name: "notif prod", productTypeId: 4, tags: ["PCI"] });
    dojo.addEngagement({ id: 7, productId: 4 });
    dojo.addTest({ id: 90, engagementId: 7 });
    dojo.addFinding({ id: 232, testId: 90, verified: true, tags: ["internet"] });
  });
  afterEach(() => dojo.close());

  const directory = () => createDojoDirectory(createDojoClient({ baseUrl: dojo.url, apiKey: dojo.serviceToken }));

  it("traces an event that carries only a link to its product, product type, engagement and tags", async () => {
    const rules = [testRule({ engagementIds: [7], productIds: [4], tags: ["pci"], verified: true })];
    const facts = await gatherFacts(findingAdded, rules, directory());
    expect(facts).toMatchObject({ productTypeId: 4, productId: 4, engagementId: 7, productTags: ["pci"] });
    // Its webhook lists no finding (only a link to it), so there is no finding status to ask for.
    expect(facts.findings.size).toBe(0);
  });

  it("asks DefectDojo nothing that no rule that could match needs", async () => {
    const before = dojo.apiCalls.length;
    // A rule for scans only cannot match finding_added (an OTHER event): its product condition asks nothing.
    await gatherFacts(findingAdded, [testRule({ events: [NotificationEvent.SCAN_ADDED], productIds: [4], tags: ["pci"] })], directory());
    expect(dojo.apiCalls.length).toBe(before);
    const engagementOnly = await gatherFacts(findingAdded, [testRule({ digestGroupBy: DigestGroupBy.ENGAGEMENT })], directory());
    expect(engagementOnly).toMatchObject({ engagementId: 7, productId: null, productTags: [] });
  });

  it("leaves unknown what it cannot ask without DefectDojo's API", async () => {
    const facts = await gatherFacts(findingAdded, [testRule({ engagementIds: [7], tags: ["pci"] })], null);
    expect(facts).toMatchObject({ productTypeId: null, productId: null, engagementId: null, productTags: [] });
  });
});

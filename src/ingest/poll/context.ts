import { z } from "zod";
import { DojoClient } from "../../defectdojo/dojo-client";
import { DojoUserRow, dojoUserRow } from "../../defectdojo/user-row";
import { ObjectRef } from "../../events/dojo-event";
import { engagementLabel, testFallbackLabel } from "../../events/nameless-objects";
import {
  EngagementRow,
  engagementRow,
  FindingRow,
  findingRow,
  ProductRow,
  productRow,
  ProductTypeRow,
  productTypeRow,
  SlaConfigurationRow,
  slaConfigurationRow,
  SystemSettingsRow,
  systemSettingsRow,
  TestRow,
  testRow,
} from "./api-rows";

/** What every resource poller gets for one run. */
export interface PollContext {
  client: DojoClient;
  /** The run's clock (epoch ms): one value for the whole run. */
  now: number;
  objects: DojoObjects;
  links: DojoLinks;
  /** Severities of new findings outside imports that become `finding_added` (POLL_FINDING_SEVERITIES). */
  findingSeverities: ReadonlySet<string>;
  /** True once the bridge is shutting down: long walks stop between two requests. */
  stopped(): boolean;
}

/** An engagement with the objects above it, as DefectDojo's create payloads carry them. */
export interface EngagementChain {
  productType: ObjectRef;
  product: ObjectRef;
  engagement: ObjectRef;
}

/** A test with the objects above it, as DefectDojo's create and scan payloads carry them. */
export interface TestChain extends EngagementChain {
  test: ObjectRef;
  /** DefectDojo's `str(test)`: "title (test type)", or the test type alone. */
  testLabel: string;
}

/**
 * DefectDojo objects by id, each asked for once per run: an import of many findings into one
 * test costs one request per level, not one per finding.
 */
export interface DojoObjects {
  productType(id: number): Promise<ProductTypeRow>;
  product(id: number): Promise<ProductRow>;
  engagement(id: number): Promise<EngagementRow>;
  test(id: number): Promise<TestRow>;
  finding(id: number): Promise<FindingRow>;
  user(id: number): Promise<DojoUserRow>;
  slaConfiguration(id: number): Promise<SlaConfigurationRow>;
  /** System Settings (superusers only; the one row of system_settings/), read at most once per run. */
  systemSettings(): Promise<SystemSettingsRow>;
  engagementChain(engagementId: number): Promise<EngagementChain>;
  chain(testId: number): Promise<TestChain>;
}

export function createDojoObjects(client: DojoClient, links: DojoLinks): DojoObjects {
  const cache = new Map<string, Promise<unknown>>();
  const one = <T>(resource: string, id: number, schema: z.ZodType<T>): Promise<T> => {
    const key = `${resource}/${id}`;
    let found = cache.get(key) as Promise<T> | undefined;
    if (!found) {
      found = client.get(`${resource}/${id}/`, {}, schema);
      cache.set(key, found);
    }
    return found;
  };
  const objects: DojoObjects = {
    productType: (id) => one("product_types", id, productTypeRow),
    product: (id) => one("products", id, productRow),
    engagement: (id) => one("engagements", id, engagementRow),
    test: (id) => one("tests", id, testRow),
    finding: (id) => one("findings", id, findingRow),
    user: (id) => one("users", id, dojoUserRow),
    slaConfiguration: (id) => one("sla_configurations", id, slaConfigurationRow),
    systemSettings() {
      let found = cache.get("system_settings") as Promise<SystemSettingsRow> | undefined;
      if (!found) {
        found = client.list("system_settings/", {}, systemSettingsRow).then((rows) => {
          if (!rows[0]) throw new Error("DefectDojo's system_settings/ is empty");
          return rows[0];
        });
        cache.set("system_settings", found);
      }
      return found;
    },
    async engagementChain(engagementId) {
      const engagement = await objects.engagement(engagementId);
      const product = await objects.product(engagement.product);
      const productType = await objects.productType(product.prod_type);
      return {
        productType: { id: productType.id, name: productType.name, urlUi: links.productType(productType.id) },
        product: { id: product.id, name: product.name, urlUi: links.product(product.id) },
        engagement: { id: engagement.id, name: engagementLabel(engagement.id, engagement.name), urlUi: links.engagement(engagement.id) },
      };
    },
    async chain(testId) {
      const test = await objects.test(testId);
      return {
        ...(await objects.engagementChain(test.engagement)),
        test: { id: test.id, name: test.title || test.test_type_name || testFallbackLabel(test.id), urlUi: links.test(test.id) },
        testLabel: testLabel(test),
      };
    },
  };
  return objects;
}

/** DefectDojo's `Test.__str__`. */
export function testLabel(test: TestRow): string {
  const type = test.test_type_name ?? "";
  return test.title ? `${test.title} (${type})` : type;
}

/**
 * DefectDojo's UI links, absolute. 3.x relabels products and product types as assets and
 * organizations, in its URLs and its wording; the API paths stay the same.
 */
export interface DojoLinks {
  relabeled: boolean;
  productType(id: number): string;
  product(id: number): string;
  engagement(id: number): string;
  test(id: number): string;
  finding(id: number): string;
  riskAcceptance(engagementId: number, id: number): string;
}

export function dojoLinks(baseUrl: string, relabeled: boolean): DojoLinks {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    relabeled,
    productType: (id) => `${base}/${relabeled ? "organization" : "product/type"}/${id}`,
    product: (id) => `${base}/${relabeled ? "asset" : "product"}/${id}`,
    engagement: (id) => `${base}/engagement/${id}`,
    test: (id) => `${base}/test/${id}`,
    finding: (id) => `${base}/finding/${id}`,
    riskAcceptance: (engagementId, id) => `${base}/engagement/${engagementId}/risk_acceptance/${id}`,
  };
}

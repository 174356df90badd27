import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "fixtures", "defectdojo");

export type DojoVersion = "2.x" | "3.x";

/** A DefectDojo webhook body from test/fixtures/defectdojo/<version>/<event>.json, parsed. */
export function webhookFixture(event: string, version: DojoVersion = "2.x"): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, version, `${event}.json`), "utf8"));
}

/** Every fixture as [version, event name, body]. */
export function allWebhookFixtures(): Array<[DojoVersion, string, Record<string, unknown>]> {
  return (["2.x", "3.x"] as const).flatMap((version) =>
    readdirSync(join(ROOT, version))
      .filter((file) => file.endsWith(".json"))
      .map((file) => {
        const event = file.replace(/\.json$/, "");
        return [version, event, webhookFixture(event, version)] as [DojoVersion, string, Record<string, unknown>];
      }),
  );
}

/** DefectDojo's event name for a fixture file (`ping_with_owner` is a `ping`). */
export function eventNameOf(fixture: string): string {
  return fixture === "ping_with_owner" ? "ping" : fixture;
}

/** What a link in a fixture should become: DefectDojo doubles some (`http://hosthttp://host/…`). */
export function repairedDoubledUrl(url: string): string {
  return url.replace(/^.+(?=https?:\/\/)/, "");
}

/** A body about a nameless engagement and an untitled test: test/fixtures/defectdojo/nameless/<version>/<event>.json. */
export function namelessWebhookFixture(event: string, version: DojoVersion = "2.x"): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, "nameless", version, `${event}.json`), "utf8"));
}

/** Every nameless fixture as [version, event name, body]. */
export function allNamelessWebhookFixtures(): Array<[DojoVersion, string, Record<string, unknown>]> {
  return (["2.x", "3.x"] as const).flatMap((version) =>
    readdirSync(join(ROOT, "nameless", version))
      .filter((file) => file.endsWith(".json"))
      .map((file) => {
        const event = file.replace(/\.json$/, "");
        return [version, event, namelessWebhookFixture(event, version)] as [DojoVersion, string, Record<string, unknown>];
      }),
  );
}

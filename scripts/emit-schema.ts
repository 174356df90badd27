import "reflect-metadata";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { buildRelaySchema, printRelaySchema, SCHEMA_FILE } from "../src/graphql/schema";

/** Writes schema/schema.graphql (`npm run schema`). Runs from dist/scripts, two levels below the root. */
async function main(): Promise<void> {
  const target = resolve(__dirname, "..", "..", SCHEMA_FILE);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, printRelaySchema(await buildRelaySchema()));
  process.stdout.write(`wrote ${target}\n`);
}

main().catch((error) => {
  process.stderr.write(`emit-schema: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

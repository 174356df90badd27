import { benchIngest } from "./ingest.bench";

/** `npm run bench`: every benchmark, each measured against its own baseline in the same run. */
async function main() {
  console.log("webhook ingest (product_added × 2000 at concurrency 8; 10 large scan_added bodies one by one)");
  console.table(await benchIngest());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

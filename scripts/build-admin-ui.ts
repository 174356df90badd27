import { copyFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

/** Browsers the bundle is written for: every evergreen browser of the last few years. */
const BROWSER_TARGETS = ["chrome109", "edge109", "firefox115", "safari15.6"];

/**
 * Bundles the admin page from `<root>/src/admin-ui` into `<root>/dist/admin`: app.js (Preact and
 * the pages, JSX compiled by esbuild), style.css, index.html and favicon.svg, the files the bridge serves
 * (src/admin/admin-handler.ts). `npm run build` runs it after type-checking with tsconfig.admin.json;
 * the browser test runs it too, so it always tests the current sources.
 */
export async function buildAdminUi(root: string): Promise<string> {
  const source = join(root, "src", "admin-ui");
  const outdir = join(root, "dist", "admin");
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { app: join(source, "main.tsx"), style: join(source, "style.css") },
    outdir,
    bundle: true,
    minify: true,
    format: "iife",
    target: BROWSER_TARGETS,
    jsx: "automatic",
    jsxImportSource: "preact",
    logLevel: "warning",
  });
  for (const file of ["index.html", "favicon.svg"]) copyFileSync(join(source, file), join(outdir, file));
  return outdir;
}

// `npm run build` runs the compiled file from dist/scripts, two levels below the root.
if (require.main === module) {
  buildAdminUi(resolve(__dirname, "..", "..")).catch((error) => {
    // esbuild has already printed the errors it found, with their places.
    process.stderr.write(`build-admin-ui: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

import { readFile } from "node:fs/promises";
import { ServerResponse } from "node:http";
import { extname, join, resolve } from "node:path";
import type { Handler, Routes } from "../http/http-server";

/**
 * Where `npm run build` writes the page (scripts/build-admin-ui.ts): dist/admin. Compiled, this
 * file runs from dist/src/admin; under ts-jest it runs from src/admin, and the page is still the
 * one the build wrote.
 */
export const BUILT_ADMIN_DIR =
  extname(__filename) === ".ts" ? resolve(__dirname, "..", "..", "dist", "admin") : resolve(__dirname, "..", "..", "admin");

/** What the browser may do with the page: load its own script and stylesheet, talk to /graphql, nothing else. */
export const ADMIN_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const SECURITY_HEADERS = {
  "Content-Security-Policy": ADMIN_CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
} as const;

/**
 * Every file the page has, by URL path. The routes are these exact paths, so no request path ever
 * reaches the file system: anything else under /admin/ is the router's 404.
 */
const ADMIN_FILES: Record<string, { file: string; type: string; cache: string }> = {
  // The app routes by the URL's hash (#/settings), so the page itself has these two paths only.
  // no-store: the page names the bundle, and a cached page would outlive an upgrade.
  "/admin": { file: "index.html", type: "text/html; charset=utf-8", cache: "no-store" },
  "/admin/": { file: "index.html", type: "text/html; charset=utf-8", cache: "no-store" },
  // File names carry no content hash, so the browser revalidates rather than keeping an old bundle.
  "/admin/app.js": { file: "app.js", type: "text/javascript; charset=utf-8", cache: "no-cache" },
  "/admin/style.css": { file: "style.css", type: "text/css; charset=utf-8", cache: "no-cache" },
  // The page links its icon (a data: URL would break the CSP's img-src 'self'); browsers that ask for
  // /favicon.ico anyway get the same image rather than a 404 in the console.
  "/admin/favicon.svg": { file: "favicon.svg", type: "image/svg+xml", cache: "no-cache" },
  "/favicon.ico": { file: "favicon.svg", type: "image/svg+xml", cache: "no-cache" },
};

export const ADMIN_NOT_BUILT = "admin page not built: run npm run build";

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, "Content-Length": Buffer.byteLength(body) });
  // Node sends no body for HEAD by itself; the headers, Content-Length included, are GET's.
  res.end(body);
}

function fileHandler(dir: string, entry: { file: string; type: string; cache: string }): Handler {
  return async (_req, res) => {
    let body: Buffer;
    try {
      // Read per request: a few small files on an admin page, and a rebuild shows without a restart.
      body = await readFile(join(dir, entry.file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      return send(res, 503, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }, `${ADMIN_NOT_BUILT}\n`);
    }
    send(res, 200, { "Content-Type": entry.type, "Cache-Control": entry.cache }, body);
  };
}

/**
 * `GET` and `HEAD` routes of the admin page: the files esbuild wrote to `dir` (BUILT_ADMIN_DIR by
 * default), each with a strict Content-Security-Policy, `nosniff` and no referrer. A missing file
 * (a bridge run from sources that were never built) answers 503 with ADMIN_NOT_BUILT.
 */
export function adminRoutes(options: { dir?: string } = {}): Routes {
  const dir = options.dir ?? BUILT_ADMIN_DIR;
  return Object.fromEntries(
    Object.entries(ADMIN_FILES).map(([path, entry]) => {
      const handler = fileHandler(dir, entry);
      return [path, { GET: handler, HEAD: handler }];
    }),
  );
}

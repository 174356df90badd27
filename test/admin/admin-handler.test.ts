import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request, Server } from "node:http";
import { AddressInfo } from "node:net";
import { join } from "node:path";
import { ADMIN_CONTENT_SECURITY_POLICY, ADMIN_NOT_BUILT, adminRoutes } from "../../src/admin/admin-handler";
import { createHttpServer } from "../../src/http/http-server";
import { RawResponse } from "../support/http-client";
import { quietLogger } from "../support/quiet-logger";
import { tempDir } from "../support/temp-dir";

/** A request with the path sent byte for byte (no URL normalisation on the way), as an attacker would. */
function send(server: Server, path: string, method = "GET"): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function serve(dir: string): Promise<Server> {
  const server = createHttpServer(adminRoutes({ dir }), quietLogger());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

function expectSecurityHeaders(response: RawResponse): void {
  expect(response.headers["content-security-policy"]).toBe(ADMIN_CONTENT_SECURITY_POLICY);
  expect(response.headers["x-content-type-options"]).toBe("nosniff");
  expect(response.headers["referrer-policy"]).toBe("no-referrer");
}

describe("the admin page's files", () => {
  const dir = tempDir();
  const INDEX = "<!doctype html><title>admin</title>";
  const SECRET = "contents of a file that is not the page";
  const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>';
  let server: Server;

  beforeAll(async () => {
    writeFileSync(join(dir.path, "index.html"), INDEX);
    writeFileSync(join(dir.path, "app.js"), "console.log('app');");
    writeFileSync(join(dir.path, "style.css"), "body { margin: 0 }");
    writeFileSync(join(dir.path, "favicon.svg"), ICON);
    // Beside and above the page's directory: files a traversal would be after.
    writeFileSync(join(dir.path, "app.js.map"), "{}");
    mkdirSync(join(dir.path, "sub"));
    writeFileSync(join(dir.path, "sub", "secret.txt"), SECRET);
    server = await serve(dir.path);
  });
  afterAll(async () => {
    await close(server);
    dir.cleanup();
  });

  it.each(["/admin", "/admin/"])("serves index.html at %s, never cached, with the security headers", async (path) => {
    const response = await send(server, path);
    expect(response.status).toBe(200);
    expect(response.body).toBe(INDEX);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("no-store");
    expectSecurityHeaders(response);
  });

  // Without an icon, a browser asks for /favicon.ico and logs the 404 as a console error on every load.
  it.each(["/admin/favicon.svg", "/favicon.ico"])("serves the page's icon at %s as SVG", async (path) => {
    const icon = await send(server, path);
    expect(icon).toMatchObject({ status: 200, body: ICON });
    expect(icon.headers["content-type"]).toBe("image/svg+xml");
    expectSecurityHeaders(icon);
  });

  it("links the icon from the built page, at a path the CSP allows (img-src falls back to 'self')", () => {
    const page = readFileSync(join(__dirname, "..", "..", "src", "admin-ui", "index.html"), "utf8");
    expect(page).toContain('<link rel="icon" href="/admin/favicon.svg" type="image/svg+xml" />');
    expect(ADMIN_CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(ADMIN_CONTENT_SECURITY_POLICY).not.toContain("img-src");
  });

  it("serves the script and the stylesheet with their types", async () => {
    const script = await send(server, "/admin/app.js");
    expect(script).toMatchObject({ status: 200, body: "console.log('app');" });
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expectSecurityHeaders(script);
    const style = await send(server, "/admin/style.css");
    expect(style).toMatchObject({ status: 200, body: "body { margin: 0 }" });
    expect(style.headers["content-type"]).toBe("text/css; charset=utf-8");
    expectSecurityHeaders(style);
  });

  it("answers HEAD with GET's headers and no body", async () => {
    const response = await send(server, "/admin/app.js", "HEAD");
    expect(response.status).toBe(200);
    expect(response.body).toBe("");
    expect(response.headers["content-length"]).toBe(String(Buffer.byteLength("console.log('app');")));
    expect(response.headers["content-type"]).toBe("text/javascript; charset=utf-8");
  });

  it("refuses other methods", async () => {
    const response = await send(server, "/admin/", "POST");
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("GET, HEAD");
  });

  it.each(["/admin/app.js.map", "/admin/sub/secret.txt", "/admin/index.html", "/admin/nope", "/adminx", "/admin/app.js/"])(
    "answers 404 for %s, which is not one of the page's files",
    async (path) => {
      const response = await send(server, path);
      expect(response.status).toBe(404);
      expect(response.body).not.toContain(SECRET);
    },
  );

  it.each([
    "/admin/../package.json",
    "/admin/%2e%2e/package.json",
    "/admin/..%2fpackage.json",
    "/admin/..%2f..%2fetc%2fpasswd",
    "/admin/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/admin/sub/..%2f..%2fapp.js",
    "/admin//etc/passwd",
    "/admin/..\\..\\package.json",
    "/admin/%5c..%5cpackage.json",
  ])("answers 404 for the traversal attempt %s", async (path) => {
    const response = await send(server, path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain("root:");
    expect(response.body).not.toContain("dojo-relay");
  });
});

describe("the admin page before it is built", () => {
  const dir = tempDir();
  let server: Server;
  beforeAll(async () => {
    server = await serve(join(dir.path, "missing"));
  });
  afterAll(async () => {
    await close(server);
    dir.cleanup();
  });

  it.each(["/admin", "/admin/", "/admin/app.js", "/admin/style.css"])("answers %s with 503 and says how to build it", async (path) => {
    const response = await send(server, path);
    expect(response.status).toBe(503);
    expect(response.body).toBe(`${ADMIN_NOT_BUILT}\n`);
    expect(response.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expectSecurityHeaders(response);
  });
});

import { ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { rawRequest } from "./http-client";
import { eventually } from "./relay-harness";

/** The built bridge, as `npm start` runs it. */
export const MAIN = join(__dirname, "..", "..", "dist", "src", "main.js");

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export type ChildRelay = ReturnType<typeof spawnRelay>;

/** The built bridge in its own process, with its output collected. */
export function spawnRelay(cwd: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (chunk) => (output.stdout += chunk));
  child.stderr!.on("data", (chunk) => (output.stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output, exited };
}

export async function waitForHealth(url: string, relay: ChildRelay, timeoutMs = 20_000) {
  await eventually(async () => {
    if (relay.child.exitCode !== null) throw new Error(`the bridge exited: ${relay.output.stderr}${relay.output.stdout}`);
    try {
      return (await rawRequest(`${url}/healthz`, { method: "GET" })).status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  }, timeoutMs);
}

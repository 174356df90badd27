import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { loadConfig } from "../../src/config/config";

// The image and the manifest cannot be built or applied here; these tests check what can be read.
const ROOT = join(__dirname, "..", "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions per stage; continuation lines joined, comments dropped. */
function dockerfileStages(text: string): Instruction[][] {
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  const stages: Instruction[][] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(trimmed)!;
    const instruction = { keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, " ") };
    if (instruction.keyword === "FROM") stages.push([]);
    stages[stages.length - 1].push(instruction);
  }
  return stages;
}

const argsOf = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

describe("Dockerfile", () => {
  const stages = dockerfileStages(read("Dockerfile"));
  const [build] = stages;
  const runtime = stages[stages.length - 1];

  it("builds in a stage of its own, with compilers for better-sqlite3, then drops the dev dependencies", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(argsOf(build, "FROM")).toEqual(["node:24-bookworm-slim AS build"]);
    const runs = argsOf(build, "RUN").join("\n");
    for (const tool of ["python3", "make", "g++"]) expect(runs).toContain(tool);
    expect(runs).toMatch(/npm ci[\s\S]*npm run build[\s\S]*npm prune --omit=dev/);
  });

  it("runs as a non-root user, with only package.json, node_modules and dist from the build", () => {
    expect(argsOf(runtime, "FROM")[0]).toMatch(/^node:24-bookworm-slim\b/);
    const users = argsOf(runtime, "USER");
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    const copied = argsOf(runtime, "COPY").map((args) => args.replace(/^--from=build /, "from-build "));
    expect(copied.sort()).toEqual(["from-build /app/dist ./dist", "from-build /app/node_modules ./node_modules", "from-build /app/package.json ./"]);
  });

  it("keeps supporting Node 20.19 (package.json engines) while the image runs Node 24 LTS", () => {
    const pkg = JSON.parse(read("package.json")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(">=20.19");
  });

  it("starts what `npm start` starts, once built", () => {
    const pkg = JSON.parse(read("package.json")) as { main: string; scripts: { start: string } };
    const [buildStep, command] = pkg.scripts.start.split("&&").map((part) => part.trim());
    expect(buildStep).toBe("npm run build"); // done in the build stage
    const cmd = argsOf(runtime, "CMD");
    expect(cmd).toHaveLength(1);
    expect(JSON.parse(cmd[0])).toEqual(command.split(" "));
    // node, its flags (V8's, set on the command line because V8 reads them once, at start), the bridge.
    const [program, ...rest] = command.split(" ");
    expect(program).toBe("node");
    expect(rest.pop()).toBe(pkg.main);
    for (const flag of rest) expect(flag).toMatch(/^--[a-z-]+=\d+$/);
  });

  it("checks its health on /healthz with node's fetch, and listens on 8080", () => {
    const checks = argsOf(runtime, "HEALTHCHECK");
    expect(checks).toHaveLength(1);
    const [, exec] = /\bCMD (\[.*\])$/.exec(checks[0])!;
    const [program, flag, script] = JSON.parse(exec) as string[];
    expect([program, flag]).toEqual(["node", "-e"]);
    expect(script).toContain("fetch('http://127.0.0.1:");
    expect(script).toContain("/healthz");
    expect(script).toContain("8080");
    expect(argsOf(runtime, "EXPOSE")).toEqual(["8080"]);
  });

  it("keeps the database in the /data volume without setting DATABASE_URL (a RELAY_CONFIG file or DATABASE_URL_FILE must still work)", () => {
    expect(argsOf(runtime, "VOLUME")).toEqual(["/data"]);
    expect(argsOf(runtime, "RUN").join("\n")).toContain("ln -s /data /app/data");
    expect(argsOf(runtime, "WORKDIR")).toEqual(["/app"]);
    expect(loadConfig({}).database).toEqual({ type: "sqlite", path: "data/relay.sqlite" });
    expect(argsOf(runtime, "ENV").join(" ")).not.toMatch(/DATABASE_URL|SECRET_KEY|PORT/);
  });

  it("leaves local state out of the build context", () => {
    const ignored = read(".dockerignore").split(/\r?\n/).map((line) => line.trim());
    for (const entry of ["node_modules", "dist", "data", ".git", "coverage"]) expect(ignored).toContain(entry);
  });
});

interface Container {
  name: string;
  ports: { name: string; containerPort: number }[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts: { name: string; mountPath: string }[];
  livenessProbe: { httpGet: { path: string; port: string | number } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean; runAsUser?: number };
}

describe("deploy/kubernetes.yaml", () => {
  const parsed = parseAllDocuments(read("deploy/kubernetes.yaml"));
  const documents = Array.isArray(parsed) ? parsed : [];
  const objects = documents.map((document) => document.toJS() as { kind: string; metadata: { name: string }; spec: any; data?: Record<string, string> });
  const byKind = (kind: string) => objects.find((object) => object?.kind === kind)!;
  const deployment = byKind("Deployment");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0] as Container;

  it("parses as YAML", () => {
    expect(documents.length).toBeGreaterThan(0);
    expect(documents.flatMap((document) => [...document.errors, ...document.warnings])).toEqual([]);
  });

  it("holds a Deployment of 2 replicas, a Service in front of it and its ConfigMap", () => {
    expect(objects.filter(Boolean).map((object) => object.kind).sort()).toEqual(["ConfigMap", "Deployment", "Service"]);
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    const service = byKind("Service");
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(container.ports).toContainEqual({ name: "http", containerPort: 8080 });
    expect(service.spec.ports).toContainEqual(expect.objectContaining({ port: 8080, targetPort: "http" }));
  });

  it("probes liveness on /healthz and readiness on /readyz", () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
  });

  it("runs as non-root, without privilege escalation, with resources set", () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    expect(container.resources.limits?.memory).toEqual(expect.any(String));
  });

  it("takes DATABASE_URL, SECRET_KEY, WEBHOOK_HEADER_VALUE and DOJO_API_KEY from the Secret, never as plain values", () => {
    const secretMounts = container.volumeMounts.filter((mount) => pod.volumes.find((volume: any) => volume.name === mount.name)?.secret);
    for (const name of ["DATABASE_URL", "SECRET_KEY", "WEBHOOK_HEADER_VALUE", "DOJO_API_KEY"]) {
      const plain = container.env.find((variable) => variable.name === name);
      const file = container.env.find((variable) => variable.name === `${name}_FILE`);
      expect([plain, file].filter(Boolean)).toHaveLength(1); // both would be refused at start-up
      if (plain) expect(plain.valueFrom?.secretKeyRef).toBeDefined();
      else expect(secretMounts.some((mount) => file!.value!.startsWith(`${mount.mountPath}/`))).toBe(true);
    }
  });

  it("points RELAY_CONFIG at the mounted ConfigMap, whose relay.yaml is a valid config file", () => {
    const configMap = byKind("ConfigMap");
    const mount = container.volumeMounts.find((m) => pod.volumes.find((v: any) => v.name === m.name)?.configMap?.name === configMap.metadata.name)!;
    const relayConfig = container.env.find((variable) => variable.name === "RELAY_CONFIG")!.value!;
    const key = relayConfig.slice(`${mount.mountPath}/`.length);
    expect(relayConfig).toBe(`${mount.mountPath}/${key}`);
    expect(Object.keys(configMap.data!)).toContain(key);
    const dir = mkdtempSync(join(tmpdir(), "relay-deploy-"));
    try {
      writeFileSync(join(dir, key), configMap.data![key]);
      expect(() => loadConfig({ RELAY_CONFIG: join(dir, key) })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("deploy/relay.example.yaml", () => {
  it("is a valid RELAY_CONFIG file", () => {
    const config = loadConfig({ RELAY_CONFIG: join(ROOT, "deploy/relay.example.yaml") });
    expect(config).toMatchObject({ port: 8080, dojoUrl: "https://defectdojo.example.com", logLevel: "info" });
    expect(config.poll.findingSeverities).toEqual(["Critical", "High"]);
  });
});

import { rawRequest } from "./http-client";

/** One sample line of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  text: string;
  samples: Sample[];
  /** `# TYPE` of each metric family. */
  types: Map<string, string>;
  /** Sum of the samples named `name` whose labels include all of `labels` (0 when none). */
  value(name: string, labels?: Record<string, string>): number;
  /** The samples named `name` whose labels include all of `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text format strictly enough to fail a test on a malformed line. */
export function parsePrometheusText(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) types.set(type[1], type[2]);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(LABEL)) {
      labels[key] = value.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    const value = match[3] === "+Inf" ? Infinity : match[3] === "-Inf" ? -Infinity : Number(match[3]);
    // prom-client writes NaN as `Nan`; Prometheus parses floats case-insensitively.
    if (Number.isNaN(value) && match[3].toLowerCase() !== "nan") throw new Error(`not a sample value: ${line}`);
    samples.push({ name: match[1], labels, value });
  }
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));
  return {
    text,
    samples,
    types,
    find,
    value: (name, labels) => find(name, labels).reduce((sum, s) => sum + s.value, 0),
  };
}

/** GET /metrics of a running bridge, checked to be the text format, parsed. */
export async function scrape(baseUrl: string): Promise<Scrape> {
  const response = await rawRequest(`${baseUrl}/metrics`, { method: "GET" });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${response.body}`);
  if (!String(response.headers["content-type"]).startsWith("text/plain")) {
    throw new Error(`GET /metrics is not the text format: ${response.headers["content-type"]}`);
  }
  return parsePrometheusText(response.body);
}

import { readFileSync } from "node:fs";
import { extname } from "node:path";
import YAML from "yaml";
import { z } from "zod";

export type Env = Record<string, string | undefined>;
/** Setting name → value, spelled as the environment would spell it; only settings that are set. */
export type Settings = Record<string, string>;

/**
 * Settings that may hold a password or key. Each may also come from a file named by `NAME_FILE`
 * (Docker and Kubernetes secrets), and no message ever shows its value.
 */
export const SECRET_SETTINGS = ["DATABASE_URL", "DOJO_API_KEY", "WEBHOOK_HEADER_VALUE", "SMTP_URL", "SECRET_KEY", "PREVIOUS_SECRET_KEY"] as const;

/** Comma-separated settings, which a config file may also give as a list. */
const LIST_SETTINGS = new Set(["POLL_FINDING_SEVERITIES", "PERSONAL_WEBHOOK_ALLOWLIST", "SYSTEM_WEBHOOK_ALLOWLIST"]);

const fileVariable = (name: string) => `${name}_FILE`;

/**
 * Merges the sources of configuration into one map: the RELAY_CONFIG file, then the environment
 * over it, then the files named by `*_FILE`. Problems are added to `problems`, never thrown, so
 * the caller can name them together with the bad values.
 */
export function gatherSettings(env: Env, names: readonly string[], problems: string[]): Settings {
  const known = new Set([...names, ...SECRET_SETTINGS.map(fileVariable)]);
  const fromFile = readConfigFile(env.RELAY_CONFIG?.trim(), known, problems);
  const fromEnv: Settings = {};
  for (const name of known) {
    const value = env[name];
    // Blank counts as unset, as it always has: `FOO=` in a compose file must not hide the file's FOO.
    if (value !== undefined && value.trim() !== "") fromEnv[name] = value;
  }
  return readSecretFiles(layer(fromFile, fromEnv), problems);
}

/** The environment wins. NAME and NAME_FILE are one setting, so either in the environment replaces both from the file. */
function layer(file: Settings, env: Settings): Settings {
  const merged = { ...file };
  for (const name of Object.keys(env)) {
    const setting = name.replace(/_FILE$/, "");
    delete merged[setting];
    delete merged[fileVariable(setting)];
  }
  return { ...merged, ...env };
}

function readSecretFiles(settings: Settings, problems: string[]): Settings {
  const resolved = { ...settings };
  for (const name of SECRET_SETTINGS) {
    const path = resolved[fileVariable(name)]?.trim();
    delete resolved[fileVariable(name)];
    if (path === undefined) continue;
    if (resolved[name] !== undefined) {
      // Neither is picked silently: whichever lost would be a surprise later.
      problems.push(`${name} and ${fileVariable(name)} are both set; set only one`);
      continue;
    }
    const value = readSecretFile(fileVariable(name), path, problems);
    if (value !== undefined) resolved[name] = value;
  }
  return resolved;
}

function readSecretFile(variable: string, path: string, problems: string[]): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    // The code only: the path is the variable's value and safe to show, the content never.
    problems.push(`${variable}: cannot read ${path} (${errorCode(error)})`);
    return undefined;
  }
  // `echo secret > file` and `kubectl create secret --from-file` leave a newline that is no part of the secret.
  const value = text.replace(/[\r\n]+$/, "");
  if (value.trim() === "") {
    problems.push(`${variable}: ${path} is empty`);
    return undefined;
  }
  return value;
}

/** Reads RELAY_CONFIG: the same settings under the same names as the environment variables. */
function readConfigFile(path: string | undefined, known: ReadonlySet<string>, problems: string[]): Settings {
  if (!path) return {};
  const where = `RELAY_CONFIG ${path}`;
  const parse = PARSERS[extname(path).toLowerCase()];
  if (!parse) {
    problems.push(`${where}: must be a .yaml, .yml or .json file`);
    return {};
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    problems.push(`${where}: cannot read the file (${errorCode(error)})`);
    return {};
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
    return {};
  }
  return settingsOf(document, where, known, problems);
}

/** A file's settings: a mapping (an empty file sets nothing). */
const fileDocument = z.record(z.string(), z.unknown()).nullish();
/** A file value as the environment would spell it; null is unset. */
const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform(String).nullable();
/** Comma-separated settings may also be a list. */
const listText = z.union([scalarText, z.array(z.union([z.string(), z.number(), z.boolean()])).transform((items) => items.join(","))]);

function settingsOf(document: unknown, where: string, known: ReadonlySet<string>, problems: string[]): Settings {
  const mapping = fileDocument.safeParse(document);
  if (!mapping.success) {
    problems.push(`${where}: must be a mapping of settings (e.g. PORT: 8080)`);
    return {};
  }
  const settings: Settings = {};
  for (const [key, value] of Object.entries(mapping.data ?? {})) {
    if (!known.has(key)) {
      const hint = known.has(key.toUpperCase()) ? ` (settings are spelled as the environment variables: ${key.toUpperCase()})` : "";
      problems.push(`${where}: unknown setting ${key}${hint}`);
      continue;
    }
    const list = LIST_SETTINGS.has(key);
    const text = (list ? listText : scalarText).safeParse(value);
    if (!text.success) {
      problems.push(`${where}: ${key} must be a single value${list ? " or a list of values" : ""}`);
    } else if (text.data !== null && text.data.trim() !== "") {
      settings[key] = text.data;
    }
  }
  return settings;
}

/**
 * The parsers' own messages are not shown: they quote the offending line, which may hold a secret.
 * Each throws an Error whose message says where the file is broken instead.
 */
const PARSERS: Record<string, (text: string) => unknown> = {
  ".yaml": parseYaml,
  ".yml": parseYaml,
  ".json": parseJson,
};

function parseYaml(text: string): unknown {
  try {
    return YAML.parse(text, {
      // Only null is resolved; every other scalar stays the text as written, so `PORT: 08080` or a
      // key like `0123e4` is not turned into a number and back (8080, 1230000) behind the user's back.
      customTags: (tags) => tags.filter((tag) => typeof tag === "object" && tag.tag === "tag:yaml.org,2002:null"),
      // Warnings go to process.emitWarning with the source line quoted; errors still throw.
      logLevel: "error",
    });
  } catch (error) {
    const at = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new Error(`not valid YAML${at ? ` at line ${at.line}, column ${at.col}` : ""}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /at position (\d+)/.exec((error as Error).message);
    throw new Error(`not valid JSON${position ? ` at ${lineAndColumn(text, Number(position[1]))}` : ""}`);
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? "unreadable";
}

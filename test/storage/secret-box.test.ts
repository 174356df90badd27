import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadSecretKey, SecretBox } from "../../src/storage/secret-box";
import { tempDir } from "../support/temp-dir";

describe("SecretBox", () => {
  it("round-trips, with a fresh nonce every time", () => {
    const box = new SecretBox("key");
    const a = box.seal("xoxb-secret");
    const b = box.seal("xoxb-secret");
    expect(a).not.toBe(b);
    expect(a).not.toContain("xoxb-secret");
    expect(box.open(a)).toBe("xoxb-secret");
  });

  it("refuses a tampered ciphertext", () => {
    const box = new SecretBox("key");
    const [version, iv, tag, body] = box.seal("xoxb-secret").split(":");
    const flipped = Buffer.from(body, "base64");
    flipped[0] ^= 1;
    expect(() => box.open([version, iv, tag, flipped.toString("base64")].join(":"))).toThrow("Unsupported state or unable to authenticate data");
  });
});

describe("loadSecretKey", () => {
  it("prefers SECRET_KEY, else generates one owner-readable key beside the database and keeps it", () => {
    const dir = tempDir();
    try {
      const database = { type: "sqlite" as const, path: join(dir.path, "relay.sqlite") };
      expect(loadSecretKey("configured", database)).toBe("configured");
      expect(existsSync(join(dir.path, "secret.key"))).toBe(false);

      const generated = loadSecretKey(null, database);
      expect(generated).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(join(dir.path, "secret.key")).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir.path, "secret.key"), "utf8").trim()).toBe(generated);
      expect(loadSecretKey(null, database)).toBe(generated);
    } finally {
      dir.cleanup();
    }
  });
});

// The module object itself (a namespace import would be a frozen copy): the spy watches, the real function runs.
import crypto = require("node:crypto");
import { headerValueCheck } from "../../../src/ingest/webhook/webhook-auth";

const headerValueMatches = (expected: string, received: string | string[] | undefined) => headerValueCheck(expected)(received);

const SECRET = "Token 3f9a1c0e7b2d4a6f8e1c3b5d7f9a2c4e6b8d0f1a3c5e7b9d";

describe("headerValueCheck", () => {
  afterEach(() => jest.restoreAllMocks());

  const WRONG: Array<[string, string | string[] | undefined]> = [
    ["empty", ""],
    ["one character", "T"],
    ["a prefix (one character short)", SECRET.slice(0, -1)],
    ["the secret plus one character", `${SECRET}0`],
    ["the secret twice", SECRET + SECRET],
    ["the same length, last character differs", SECRET.slice(0, -1) + "e"],
    ["the same length, first character differs", `t${SECRET.slice(1)}`],
    ["the same length, all different", "x".repeat(SECRET.length)],
    ["the secret without its scheme", SECRET.replace(/^Token /, "")],
    ["surrounded by spaces", ` ${SECRET} `],
    ["10,000 characters", "T".repeat(10_000)],
    ["a NUL after the secret", `${SECRET}\u0000`],
    ["an array of values (a repeated header)", [SECRET, SECRET]],
    ["absent", undefined],
  ];

  it("accepts exactly the configured value", () => {
    expect(headerValueMatches(SECRET, SECRET)).toBe(true);
    expect(headerValueMatches("ü-secret", "ü-secret")).toBe(true);
  });

  it.each(WRONG)("refuses a value that is %s", (_case, received) => {
    expect(headerValueMatches(SECRET, received)).toBe(false);
  });

  it("refuses a mismatch when either side is empty", () => {
    expect(headerValueMatches("", "x")).toBe(false);
    expect(headerValueMatches("x", "")).toBe(false);
  });

  // Whatever the received length, the decision is one timingSafeEqual over two SHA-256 digests
  // (32 bytes each): no early exit on a length difference, no string comparison that stops at
  // the first differing character.
  it.each(WRONG.filter(([, received]) => typeof received === "string"))(
    "compares equal-length digests for a value that is %s",
    (_case, received) => {
      const matches = headerValueCheck(SECRET);
      const compare = jest.spyOn(crypto, "timingSafeEqual");
      expect(matches(received)).toBe(false);
      expect(compare).toHaveBeenCalledTimes(1);
      const [a, b] = compare.mock.calls[0] as [Buffer, Buffer];
      expect([a.length, b.length]).toEqual([32, 32]);
      expect(a).toEqual(crypto.createHash("sha256").update(SECRET).digest());
      expect(b).toEqual(crypto.createHash("sha256").update(received as string).digest());
    },
  );
});

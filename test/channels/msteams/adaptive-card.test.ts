import { performance } from "node:perf_hooks";
import { MessageContent } from "../../../src/channels/message-content";
import { escapeMarkdown, renderTeamsMessage, TEAMS_ENVELOPE_MAX_BYTES } from "../../../src/channels/msteams/adaptive-card";

const MEGABYTE = 1024 * 1024;

/** The fastest of a few runs: a slow run on a busy machine says nothing; a quadratic escape is slow in every run. */
function fastestMs(work: () => void, runs = 5): number {
  work(); // compiled and warmed up first
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

const content = (text: string): MessageContent => ({
  heading: "Scan added",
  title: "a scan",
  text,
  link: null,
  facts: [],
  findings: [],
  unlistedFindings: 0,
  listKind: "findings",
});

describe("Teams markdown escaping", () => {
  // Security review (issue 17): the list-marker patterns took 0.5 s for 20,000 newlines, growing with
  // the square. How fast is for the benchmarks; here, that nothing is escaped and the time stays linear.
  it.each([
    ["newlines", "\n"],
    ["tabs", "\t"],
    ["hyphens", "-"],
  ])("leaves 1 MB of %s as it is", (_name, char) => {
    const text = char.repeat(MEGABYTE);
    expect(escapeMarkdown(text)).toBe(text);
  });

  // Eight times the text takes about eight times as long; a quadratic escape would take 64 times.
  it.each([
    ["newlines and indentation", " \n\t"],
    ["digits after blank lines", "\n\n 1"],
    ["a list marker after each newline", "\n- "],
    ["newlines before a hyphen", "\n\n\n\n\n\n\n-"],
  ])("escapes %s in linear time", (_name, unit) => {
    const small = unit.repeat(MEGABYTE / 8 / unit.length);
    const large = unit.repeat(MEGABYTE / unit.length);
    expect(fastestMs(() => escapeMarkdown(large)) / Math.max(5, fastestMs(() => escapeMarkdown(small)))).toBeLessThan(24);
  });

  it("still escapes a list marker after blank lines and indentation, and only at a line start", () => {
    expect(escapeMarkdown("a\n\n\n  - item\n\t+ two\n 12. three\nx - y\n4) four")).toBe(
      "a\n\n\n  \\- item\n\t\\+ two\n 12\\. three\nx - y\n4\\) four",
    );
  });

  it("renders a card from a 1 MB description of newlines within budget", () => {
    const text = `${"\n".repeat(MEGABYTE / 2)}- item ${"\n".repeat(MEGABYTE / 2)}`;
    const body = renderTeamsMessage(content(text));
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_ENVELOPE_MAX_BYTES);
  });
});

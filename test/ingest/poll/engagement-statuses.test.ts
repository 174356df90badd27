import { idsOf, rangesOf, StatusMemory } from "../../../src/ingest/poll/resources/engagements";

// The engagements cursor remembers every engagement's status that is neither In Progress nor Not
// Started (dojo/engagement/signals.py compares with the old status, 3.2.0 and 2.58.2-changelog):
// kept short as id ranges, since old engagements are mostly closed in runs.
describe("the engagements cursor's status memory", () => {
  it("writes ids as ranges and reads them back", () => {
    expect(rangesOf([5, 1, 2, 3, 9, 10, 7])).toBe("1-3,5,7,9-10");
    expect(idsOf("1-3,5,7,9-10")).toEqual([1, 2, 3, 5, 7, 9, 10]);
    expect(idsOf("")).toEqual([]);
  });

  it("stays small for ten thousand closed engagements", () => {
    const memory = new StatusMemory(new Map());
    for (let id = 1; id <= 10_000; id++) memory.set(id, id % 500 === 0 ? "Cancelled" : "Completed");
    memory.set(10_001, "In Progress");
    memory.set(10_002, null);
    const stored = JSON.stringify(memory.toJSON());
    expect(stored.length).toBeLessThan(1_000);
    const read = StatusMemory.from(JSON.parse(stored));
    expect(read.statusOf(500)).toBe("Cancelled");
    expect(read.statusOf(501)).toBe("Completed");
    expect(read.statusOf(10_001)).toBeUndefined();
    expect(read.statusOf(10_002)).toBeNull();
  });

  it("forgets an engagement once it is In Progress or Not Started again", () => {
    const memory = StatusMemory.from({ Completed: "1-3", "On Hold": "4" });
    memory.set(2, "In Progress");
    memory.set(4, "Not Started");
    expect(memory.toJSON()).toEqual({ Completed: "1,3" });
  });
});

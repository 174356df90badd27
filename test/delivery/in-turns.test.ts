import { inTurns } from "../../src/delivery/in-turns";

describe("inTurns", () => {
  it("starts at most perTurn items in one turn of the event loop, in order", async () => {
    const order: string[] = [];
    // Queued before: it runs once the first group has started, before the second.
    setImmediate(() => order.push("turn"));
    await inTurns([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4, (item) => {
      order.push(`item ${item}`);
      // Work an item queues (an answer to read, say) waits for the end of its group, not the end of all.
      if (item === 5) setImmediate(() => order.push("queued by item 5"));
    });
    expect(order).toEqual([
      "item 1", "item 2", "item 3", "item 4",
      "turn",
      "item 5", "item 6", "item 7", "item 8",
      "queued by item 5",
      "item 9", "item 10",
    ]);
  });

  it("waits for an item that takes time before the next, and starts nothing for no items", async () => {
    const order: string[] = [];
    await inTurns([1, 2], 4, async (item) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(`done ${item}`);
    });
    expect(order).toEqual(["done 1", "done 2"]);
    let called = false;
    await inTurns([], 4, () => void (called = true));
    expect(called).toBe(false);
  });
});

/**
 * Calls `start` for each item in order, at most `perTurn` of them in one turn of the event loop:
 * between groups the loop goes round, so I/O that came in meanwhile (a webhook) is taken first.
 */
export async function inTurns<T>(items: readonly T[], perTurn: number, start: (item: T) => Promise<void> | void): Promise<void> {
  for (const [index, item] of items.entries()) {
    if (index > 0 && index % perTurn === 0) await new Promise((resolve) => setImmediate(resolve));
    await start(item);
  }
}

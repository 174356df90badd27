import { WakeableLoop } from "../../src/delivery/wakeable-loop";

describe("WakeableLoop", () => {
  it("never runs twice at once, folds wakes during a run into one more run, and stops", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const loop = new WakeableLoop(
      async () => {
        runs += 1;
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((resolve) => (release = resolve));
        running -= 1;
      },
      (error) => {
        throw error;
      },
    );
    loop.start(60_000); // first run now
    for (let i = 0; i < 5; i++) loop.wake();
    release();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
    await loop.stop();
    loop.wake();
    expect(runs).toBe(2);
  });
});

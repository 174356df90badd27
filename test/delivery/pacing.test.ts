import { TargetPacer } from "../../src/delivery/pacing";

describe("TargetPacer", () => {
  const A = "SLACK|#a";
  const B = "SLACK|#b";

  it("lets the first row go and gives the rows behind it one slot each, an interval apart", () => {
    const pacer = new TargetPacer(1000);
    expect([1, 2, 3].map((id) => pacer.slot(A, id, 0))).toEqual([0, 1000, 2000]);
  });

  it("sends a row that comes back at its slot, while a new row queues behind the reserved slots", () => {
    const pacer = new TargetPacer(1000);
    for (const id of [1, 2, 3]) pacer.slot(A, id, 0);
    expect(pacer.slot(A, 2, 1000)).toBe(1000);
    expect(pacer.slot(A, 4, 1000)).toBe(3000);
    expect(pacer.slot(A, 3, 2000)).toBe(2000);
  });

  it("keeps a late row's successor an interval after the late send", () => {
    const pacer = new TargetPacer(1000);
    pacer.slot(A, 1, 0);
    pacer.slot(A, 2, 0);
    pacer.slot(A, 3, 0);
    expect(pacer.slot(A, 2, 1300)).toBe(1300);
    // Slot 2000 is only 700 ms after the late send: the row waits until 2300, keeping its place.
    expect(pacer.slot(A, 3, 2000)).toBe(2300);
    expect(pacer.slot(A, 3, 2300)).toBe(2300);
  });

  it("counts the interval from the previous send's answer once it has come", () => {
    const pacer = new TargetPacer(1000);
    pacer.slot(A, 1, 0);
    pacer.slot(A, 2, 0);
    pacer.answered(A, 120);
    expect(pacer.slot(A, 2, 1000)).toBe(1120);
    expect(pacer.slot(A, 2, 1120)).toBe(1120);
  });

  it("paces each target on its own", () => {
    const pacer = new TargetPacer(1000);
    expect(pacer.slot(A, 1, 0)).toBe(0);
    expect(pacer.slot(A, 2, 0)).toBe(1000);
    expect(pacer.slot(B, 3, 10)).toBe(10);
  });

  it("counts a send that went out regardless (a test send) without holding it back", () => {
    const pacer = new TargetPacer(1000);
    pacer.slot(A, 1, 0);
    pacer.slot(A, 2, 0);
    pacer.take(A, 500);
    // The test send took the slot after the reserved one, and is itself an interval from the next.
    expect(pacer.slot(A, 3, 500)).toBe(3000);
    expect(pacer.slot(A, 2, 1000)).toBe(1500);
  });

  it("queues a forgotten row (its target was paused) anew", () => {
    const pacer = new TargetPacer(1000);
    pacer.slot(A, 1, 0);
    pacer.slot(A, 2, 0);
    pacer.slot(A, 3, 0);
    pacer.forget(A, 2);
    expect(pacer.slot(A, 2, 1000)).toBe(3000);
  });

  it("sends at once, forever, with an interval of 0", () => {
    const pacer = new TargetPacer(0);
    expect([1, 2, 3].map((id) => pacer.slot(A, id, 5))).toEqual([5, 5, 5]);
  });

  it("forgets idle targets once it remembers a thousand, and keeps those with rows waiting", () => {
    const pacer = new TargetPacer(1000);
    pacer.slot("busy", 1, 0);
    expect(pacer.slot("busy", 2, 0)).toBe(1000); // reserved: still pending at 1,500
    for (let i = 0; i < 999; i++) pacer.slot(`user-${i}`, 100 + i, 0);
    expect(pacer.size).toBe(1000);
    pacer.slot("newcomer", 5000, 1500);
    // Every DM target sent at 0 is an interval old at 1,500; "busy" holds a slot up to 2,000.
    expect(pacer.size).toBe(2);
    // The busy target's postponed row still goes when it comes back.
    expect(pacer.slot("busy", 2, 1500)).toBe(1500);
  });
});

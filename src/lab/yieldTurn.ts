/**
 * Lets the host's event loop take a turn (its timers and messages) during a long loop of tensor work. On wasm and
 * cpu a read-back (`await t.data()`) resolves as a microtask, so a loop of them never yields by itself: in the page's
 * worker a 6,300-pair reward-model evaluation held the event loop for over 12 s, the worker's heartbeat stopped, and
 * the page reported the worker as crashed. setTimeout is plain JavaScript (Node, workers, pages alike). At most one
 * turn per `everyMs`, so a loop pays a few ms per second; the results do not depend on it.
 */
let last = 0;

export async function yieldTurn(everyMs = 250): Promise<void> {
  const now = Date.now();
  if (now - last < everyMs) return;
  last = now;
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/**
 * Coalesces the worker's frequent events into one reducer dispatch, so the page renders a few times a second instead
 * of once per message. A training stage posts two events per step (its metrics and its progress): about 50 a second
 * in the Quick demo's reward model, and the page, rendering each, kept one of the machine's two cores busy and took
 * CPU from the worker (docs/performance.md, "The page's own work"). Deferrable actions wait at most `delayMs`; any
 * other action delivers the waiting ones first, itself last, in one batch, so the reducer sees every action in the
 * order it was sent. Pure: the timer functions are injected (tests pass fake ones).
 */
export interface Timers {
  set: (fn: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

export interface ActionBatcher<A> {
  /** Queues a deferrable action, or delivers the queue and this action now. */
  push(action: A): void;
  /** Delivers whatever waits (nothing when the queue is empty) and drops the timer. */
  flush(): void;
}

const realTimers: Timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };

export function actionBatcher<A>(deliver: (actions: A[]) => void, deferrable: (action: A) => boolean, delayMs: number, timers: Timers = realTimers): ActionBatcher<A> {
  let queue: A[] = [];
  let timer: unknown = null;
  const flush = () => {
    if (timer !== null) timers.clear(timer);
    timer = null;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    deliver(batch);
  };
  return {
    push(action) {
      queue.push(action);
      if (!deferrable(action)) flush();
      else if (timer === null) timer = timers.set(flush, delayMs);
    },
    flush,
  };
}

/** What the queue reports about itself. */
export interface QueueState {
  building: boolean;
  /** A change arrived (or is being waited for) that no finished or running build includes yet. */
  pending: boolean;
  builds: number;
}

/**
 * Runs builds one at a time and coalesces triggers: a trigger starts a build after `debounceMs` of quiet (at most
 * `maxWaitMs` after the first), triggers during a build cause exactly one follow-up build, and nothing triggered
 * is left unbuilt.
 */
export class BuildQueue {
  #run: () => Promise<void>;
  #debounceMs: number;
  #maxWaitMs: number;
  #timer: NodeJS.Timeout | undefined;
  #firstTrigger = 0;
  #dirty = false;
  #running: Promise<void> | undefined;
  #closed = false;
  #builds = 0;

  constructor(run: () => Promise<void>, options: { debounceMs: number; maxWaitMs?: number }) {
    this.#run = run;
    this.#debounceMs = options.debounceMs;
    this.#maxWaitMs = options.maxWaitMs ?? options.debounceMs * 8;
  }

  /** Asks for a build that includes everything changed up to now. */
  trigger(): void {
    if (this.#closed) return;
    this.#dirty = true;
    if (this.#running) return; // the follow-up is scheduled when the running build ends
    const now = Date.now();
    if (!this.#timer) this.#firstTrigger = now;
    clearTimeout(this.#timer);
    const wait = Math.max(0, Math.min(this.#debounceMs, this.#firstTrigger + this.#maxWaitMs - now));
    this.#timer = setTimeout(() => this.#start(), wait);
  }

  /** The queue's state for /status. */
  state(): QueueState {
    return { building: Boolean(this.#running), pending: this.#dirty, builds: this.#builds };
  }

  /** Resolves when no build is running or waiting. */
  async idle(): Promise<void> {
    while (this.#running || this.#timer) {
      await (this.#running ?? new Promise((r) => setTimeout(r, this.#debounceMs)));
    }
  }

  /** Stops taking triggers; resolves when the running build, if any, has ended. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #start(): void {
    this.#timer = undefined;
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a guard only: no timer runs then
    if (this.#running || this.#closed) return;
    this.#dirty = false;
    this.#builds += 1;
    this.#running = this.#run()
      .catch(() => {
        // The runner reports its own failures; the queue only keeps going.
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#dirty && !this.#closed) {
          // Stryker disable next-line BooleanLiteral: equivalent, trigger() below sets it again at once
          this.#dirty = false;
          this.trigger();
        }
      });
  }
}

/** The longest a timer may wait (setTimeout's limit); later scheduled stories get a timer that re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer for the next story scheduled to go live (a `publishedAt` in the future). */
export class ScheduledStories {
  readonly #due: (time: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #next: string | null = null;

  /** `due` is called with the story's time a second after it is due. */
  constructor(due: (time: string) => void) {
    this.#due = due;
  }

  /** The time of the next scheduled story, if any. */
  get next(): string | null {
    return this.#next;
  }

  /** Arms the timer for `next` (an ISO time), replacing the one armed before; nothing to wait for without one. */
  arm(next: string | undefined): void {
    clearTimeout(this.#timer);
    this.#next = next ?? null;
    if (!next) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(next) - Date.now()) + 1000);
    this.#timer = setTimeout(() => this.#due(next), wait);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * What asked for a build since the last one began. Webhooks name the documents that changed, so that the next sync
 * reads only those; anything else (the start, a scheduled story, a retry) asks for every change since the last full
 * read. The time of the first webhook no build has included yet is kept for `/status` (`lastSuccess.triggeredAt`).
 */
export class BuildRequests {
  readonly #trigger: () => void;
  /**
   * The ids webhooks reported since the last sync; null when something else asked for a build (start, schedule,
   * retry), which then reads every change since the last full read.
   */
  #hinted: Set<string> | null = null;
  /** When the first webhook (or the start) that no build has included yet came. */
  #firstUnbuilt: string | null = null;

  /** `trigger` asks the queue for a build. */
  constructor(trigger: () => void) {
    this.#trigger = trigger;
  }

  /** The service started: a build catches up with whatever changed while it was down. */
  start(): void {
    this.webhook(undefined);
  }

  /** A webhook reported a change to document `id` (or did not say which). */
  webhook(id: string | undefined): void {
    this.#firstUnbuilt ??= new Date().toISOString();
    this.request(id);
  }

  /** Asks for a build that reads the change to `id`, or, without one, every change since the last full read. */
  request(id?: string): void {
    const published = id?.replace(/^drafts\./, '');
    if (published && !published.includes('.')) this.#hinted?.add(published);
    else this.#hinted = null;
    this.#trigger();
  }

  /** Asks for a build although content did not change: it reads nothing beyond what webhooks announced meanwhile. */
  again(): void {
    this.#trigger();
  }

  /** What the build beginning now is for: the ids to sync (null: every change) and the first trigger's time. */
  take(): { hint: Set<string> | null; triggeredAt: string | null } {
    const taken = { hint: this.#hinted, triggeredAt: this.#firstUnbuilt };
    this.#hinted = new Set();
    this.#firstUnbuilt = null;
    return taken;
  }

  /** The sync failed: the next one reads every change since the last full read. */
  forget(): void {
    this.#hinted = null;
  }
}

// Group commit: requests that arrive while earlier groups are being written are gathered and
// written together by the next group. Pure scheduling, no database: `run` does the work and
// returns one outcome per item (an answer, or the Error that item's request should throw).

export class GroupCommit<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private pumpScheduled = false;

  constructor(
    private readonly run: (items: T[]) => Promise<(R | Error)[]>,
    private readonly options: { maxGroup: number; maxInFlight: number; gather?: boolean } = {
      maxGroup: 100,
      maxInFlight: 4,
    },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.options.gather) return this.pump();
      // Wait for the end of this turn of the event loop: every request read in it joins the group.
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const group = this.queue.splice(0, this.options.maxGroup);
      this.inFlight++;
      void this.run(group.map((g) => g.item))
        .then(
          (outcomes) =>
            group.forEach((g, i) =>
              outcomes[i] instanceof Error ? g.reject(outcomes[i]) : g.resolve(outcomes[i] as R),
            ),
          (error: unknown) => group.forEach((g) => g.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

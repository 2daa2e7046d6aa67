/**
 * A FIFO async mutex. `transaction(fn)` awaits `fn`, so without it another request
 * could run statements on the writer connection inside someone else's open
 * transaction; with it, one process has at most one write transaction at a time.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function once every earlier holder has released. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

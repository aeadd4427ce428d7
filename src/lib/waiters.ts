/**
 * Callers of a Durable Object that wait for a condition on its state: the object wakes them on every write,
 * so the wait is held here instead of by a client that polls.
 */
export class Waiters {
  private readonly checks = new Set<() => void>();

  /** Resolves once `ready()` holds, checked now and after every `wake()`, or after `ms` whatever it says. */
  until(ready: () => boolean, ms: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.checks.delete(check);
        resolve();
      };
      const check = () => {
        if (ready()) finish();
      };
      const timer = setTimeout(finish, ms);
      this.checks.add(check);
    });
  }

  /** The state changed: every waiter checks its condition again. */
  wake(): void {
    for (const check of this.checks) check();
  }
}

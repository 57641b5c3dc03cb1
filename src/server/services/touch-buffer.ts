/**
 * Last-seen times are written in batches: a check-in must not cost a durable write of its own
 * just to say "seen at". Flushed every few seconds and on shutdown; losing one on a crash only
 * makes a last-seen time a few seconds older.
 */
import type { Store } from '../../store/ports.js';

export class TouchBuffer {
  private agents = new Map<string, string>();
  private machines = new Map<string, string>();
  private tokens = new Map<string, string>();

  constructor(private readonly store: Store) {}

  agent(id: string, at: string): void {
    this.agents.set(id, at);
  }
  machine(id: string, at: string): void {
    this.machines.set(id, at);
  }
  apiToken(id: string, at: string): void {
    this.tokens.set(id, at);
  }

  /** Writes everything buffered so far. */
  async flush(): Promise<void> {
    const [agents, machines, tokens] = [this.agents, this.machines, this.tokens];
    this.agents = new Map();
    this.machines = new Map();
    this.tokens = new Map();
    let n = 0;
    // SQLite writes run on the event loop: let requests in between small batches, or a flush of
    // thousands of last-seen times stalls every check-in for seconds.
    const breathe = async () => {
      if (++n % 50 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    for (const [id, at] of agents) await this.store.agents.touchAgent(id, at).then(breathe);
    for (const [id, at] of machines) await this.store.machines.touch(id, at).then(breathe);
    for (const [id, at] of tokens) await this.store.users.touchApiToken(id, at).then(breathe);
  }
}

/**
 * Request/reply over a forked child's IPC channel, for the server benchmark's long-lived children
 * (the server under test and the load generator): one call at a time per child, replies matched
 * by `kind`, other messages handed to a listener.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Every message carries a kind; replies carry the kind of the call they answer. */
export interface Message {
  kind: string;
  [k: string]: unknown;
}

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** A forked bench/scenarios/<name> child driven by messages. */
export class ChildRpc {
  readonly child: ChildProcess;
  private waiting: { kind: string; resolve(m: Message): void; reject(e: Error): void } | undefined;
  private exited: Error | undefined;
  /** Messages that answer no call (progress notes such as "measuring"). */
  onNotice: (m: Message) => void = () => undefined;

  constructor(name: string, args: string[]) {
    const script = fileURLToPath(new URL(`./scenarios/${name}${EXT}`, import.meta.url));
    const execArgv = [...new Set([...process.execArgv, '--expose-gc'])];
    this.child = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (raw) => {
      const m = raw as Message;
      if (m.kind === 'error') return this.fail(new Error(`${name}: ${String(m.message)}`));
      if (this.waiting && m.kind === this.waiting.kind) {
        const w = this.waiting;
        this.waiting = undefined;
        w.resolve(m);
      } else {
        this.onNotice(m);
      }
    });
    this.child.on('exit', (code, signal) => this.fail(new Error(`${name} exited with ${signal ?? code}`)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  private fail(err: Error): void {
    this.exited ??= err;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }

  /** Waits for the next message of this kind without sending anything (e.g. "ready"). */
  next<T extends Message>(kind: string): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise(
      (resolve, reject) => (this.waiting = { kind, resolve: resolve as (m: Message) => void, reject }),
    );
  }

  /** Sends a message and waits for the reply of the same kind. */
  call<T extends Message>(msg: Message): Promise<T> {
    const reply = this.next<T>(msg.kind);
    this.child.send(msg);
    return reply;
  }

  /** Ends this child (SIGTERM to its own pid) unless it has exited; for error paths. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }

  /** Resolves when the child has exited (after a "stop" call, or at once if it already has). */
  whenExited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

/** The child side: answers each incoming message with handler's result (kind added), errors as kind "error". */
export function serveParent(handler: (m: Message) => Promise<Record<string, unknown>>): void {
  process.on('message', (raw) => {
    const m = raw as Message;
    handler(m).then(
      (out) => process.send!({ ...out, kind: m.kind }),
      (err: Error) => process.send!({ kind: 'error', message: err.stack ?? err.message }),
    );
  });
}

import { spawn } from 'node:child_process';

/** How a command run ended. */
export type CommandResult =
  | { readonly kind: 'exited'; readonly code: number; readonly stderr: string }
  | {
      readonly kind: 'signalled';
      readonly signal: string;
      readonly timedOut: boolean;
      readonly stderr: string;
    }
  | { readonly kind: 'not-started'; readonly error: string };

/** Keep at most this much of a command's stderr (its end), for the delivery's outcome. */
const STDERR_TAIL_BYTES = 2048;

/**
 * Run `command` (no shell: arguments are passed as they are) to its end, or until `timeoutMs`
 * (then SIGTERM) or `signal` aborts it. stdout is discarded; the end of stderr is kept.
 */
export function runCommand(
  command: readonly string[],
  options: { timeoutMs: number; signal: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  const [file, ...args] = command;
  if (file === undefined) return Promise.resolve({ kind: 'not-started', error: 'the command is empty' });
  return new Promise((resolve) => {
    let stderr = Buffer.alloc(0);
    let settled = false;
    const finish = (result: CommandResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const child = spawn(file, args, {
      shell: false,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: options.timeoutMs,
      signal: options.signal,
      env: options.env ?? process.env,
    });
    const began = performance.now();
    let started = false;
    child.on('spawn', () => (started = true));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // An abort or timeout also reports an error; 'close' reports how the process ended.
      if (!started) finish({ kind: 'not-started', error: `${error.code ?? ''} ${error.message}`.trim() });
    });
    child.on('close', (code, killedBy) => {
      const text = stderr.toString('utf8').trim();
      if (code !== null) finish({ kind: 'exited', code, stderr: text });
      else {
        finish({
          kind: 'signalled',
          signal: killedBy ?? 'unknown',
          timedOut: !options.signal.aborted && performance.now() - began >= options.timeoutMs,
          stderr: text,
        });
      }
    });
  });
}

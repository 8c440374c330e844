import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.js';
import { CLI } from './child-server.js';

/** What one run of the CLI left behind. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where and with what environment the CLI runs. */
export interface CliOptions {
  /** Working folder (a temp folder, so no stray `ferry.yaml` or `.ferry` is picked up). */
  readonly cwd?: string;
  /** Extra environment; `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The environment of a CLI run: the test's own without any `FERRY_*` variable (so the machine
 * running the tests cannot change what the CLI does), plus `extra`.
 */
export function cliEnv(extra: CliOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('FERRY_')) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Run the built CLI (`node dist/cli/main.js …`) to completion. Never rejects on a non-zero exit. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd, env: cliEnv(options.env), timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`ferry ${args.join(' ')} did not run: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

/** A CLI bound to global options (e.g. `--data-dir X` or `--server URL`) and a working folder. */
export type Ferry = (...args: string[]) => Promise<CliResult>;

/** Make a `Ferry` that puts `globalArgs` before every command. */
export function ferryCli(globalArgs: readonly string[], options: CliOptions = {}): Ferry {
  return (...args) => runCli([...globalArgs, ...args], options);
}

const describeRun = (result: CliResult): string =>
  `exit ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;

/** Assert a run succeeded and return its stdout. */
export function expectSuccess(result: CliResult): string {
  expect(result.code, describeRun(result)).toBe(0);
  return result.stdout;
}

/** Assert a run succeeded and parse its stdout as JSON. */
export function expectJson(result: CliResult): any {
  return JSON.parse(expectSuccess(result));
}

/**
 * Assert a run failed as the CLI reports errors: a non-zero exit, nothing on stdout and one line
 * `error: <message> [CODE]` on stderr. Returns the message.
 */
export function expectCliError(result: CliResult, code: ErrorCode, message?: string | RegExp): string {
  expect(result.code, describeRun(result)).not.toBe(0);
  expect(result.stdout).toBe('');
  const match = /^error: (.+) \[([A-Z_]+)\]\n$/s.exec(result.stderr);
  expect(match, `stderr is not one 'error: … [CODE]' line:\n${result.stderr}`).not.toBeNull();
  const [, text = '', actual] = match!;
  expect(actual, text).toBe(code);
  if (typeof message === 'string') expect(text).toContain(message);
  else if (message !== undefined) expect(text).toMatch(message);
  return text;
}

/** A long-running CLI process (`ferry serve`, `ferry demo`) whose output a test waits on. */
export interface CliProcess {
  readonly process: ChildProcess;
  /** stdout and stderr so far, each on its own. */
  stdout(): string;
  stderr(): string;
  /** Resolve with the first match of `pattern` in stderr (or stdout), or reject after `timeoutMs`. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (null when killed by a signal) once the process exits. */
  readonly exited: Promise<number | null>;
}

/** Start `ferry <args>` without waiting for it to finish. The caller kills it. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  child.stdout.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
    notify();
  });
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      hasExited = true;
      notify();
      resolve(code);
    }),
  );
  const waitFor = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stderr', timeoutMs = 30_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output[stream]);
        if (match !== null) {
          done();
          resolve(match);
        } else if (hasExited) {
          done();
          reject(new Error(`ferry ${args.join(' ')} exited before printing ${pattern}:\n${output.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`ferry ${args.join(' ')} printed no ${pattern} in ${timeoutMs} ms:\n${output.stderr}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return {
    process: child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    waitFor,
    exited,
  };
}

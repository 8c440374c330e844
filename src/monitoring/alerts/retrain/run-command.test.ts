import { describe, expect, it } from 'vitest';
import { runCommand } from './run-command.js';

const node = process.execPath;
const signal = () => new AbortController().signal;

describe('runCommand', () => {
  it('passes arguments without a shell and reports the exit code with the end of stderr', async () => {
    const result = await runCommand(
      [node, '-e', 'process.stderr.write(process.argv[1]); process.exit(3)', '$HOME; echo hi'],
      { timeoutMs: 10_000, signal: signal() },
    );
    expect(result).toEqual({ kind: 'exited', code: 3, stderr: '$HOME; echo hi' });
  });

  it('stops a command that runs past its timeout', async () => {
    const result = await runCommand([node, '-e', 'setTimeout(() => {}, 60_000)'], {
      timeoutMs: 200,
      signal: signal(),
    });
    expect(result).toMatchObject({ kind: 'signalled', signal: 'SIGTERM', timedOut: true });
  });

  it('stops a command when aborted, and says so', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const result = await runCommand([node, '-e', 'setTimeout(() => {}, 60_000)'], {
      timeoutMs: 10_000,
      signal: abort.signal,
    });
    expect(result).toMatchObject({ kind: 'signalled', timedOut: false });
  });

  it('reports a command that cannot start', async () => {
    const result = await runCommand(['/no/such/ferry-command'], { timeoutMs: 1000, signal: signal() });
    expect(result).toMatchObject({ kind: 'not-started', error: expect.stringContaining('ENOENT') });
  });
});

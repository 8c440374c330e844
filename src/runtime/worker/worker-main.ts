/**
 * A runtime worker thread: holds ONNX Runtime sessions and runs them, so a run never blocks the
 * server's event loop. Tensors arrive and leave as transferred buffers.
 */
import { parentPort } from 'node:worker_threads';
import { OnnxRuntime } from '../onnx/onnx-runtime.js';
import type { RuntimeSession } from '../runtime.js';
import { transferablesOf, type WorkerReply, type WorkerRequest } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('worker-main must run in a worker thread');

const runtime = new OnnxRuntime();
const sessions = new Map<number, RuntimeSession>();

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.kind) {
    case 'load': {
      // ONNX Runtime refuses views of shared memory: take a private copy (freed once loaded).
      const bytes = new Uint8Array(request.length);
      bytes.set(new Uint8Array(request.bytes, 0, request.length));
      sessions.set(request.session, await runtime.load(bytes, request.options));
      reply({ kind: 'done', call: request.call });
      return;
    }
    case 'run': {
      const session = sessions.get(request.session);
      if (session === undefined) throw new Error(`session ${request.session} is not loaded in this worker`);
      const outputs = await session.run(request.inputs, request.outputNames);
      try {
        reply({ kind: 'done', call: request.call, outputs }, transferablesOf(outputs));
      } catch {
        // Some runtime buffers cannot be detached; a copy is the fallback.
        reply({ kind: 'done', call: request.call, outputs });
      }
      return;
    }
    case 'release': {
      await sessions.get(request.session)?.release();
      sessions.delete(request.session);
      reply({ kind: 'done', call: request.call });
      return;
    }
  }
}

port.on('message', (request: WorkerRequest) => {
  handle(request).catch((error: unknown) =>
    reply({
      kind: 'failed',
      call: request.call,
      message: error instanceof Error ? error.message : String(error),
    }),
  );
});

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** A streaming multipart/form-data body: text fields first, then one file part read from disk. */
export interface MultipartBody {
  readonly contentType: string;
  readonly contentLength: number;
  readonly stream: ReadableStream<Uint8Array>;
}

/**
 * Build a multipart body whose file part is streamed from disk, reporting progress as the file's
 * bytes are read. Fields are written before the file, as the server requires.
 */
export async function multipartBody(
  fields: Readonly<Record<string, string>>,
  file: { field: string; path: string; filename: string },
  onProgress?: (sent: number, total: number) => void,
): Promise<MultipartBody> {
  const boundary = `----ferry${randomBytes(12).toString('hex')}`;
  const encoder = new TextEncoder();
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename.replaceAll('"', '')}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(`\r\n--${boundary}--\r\n`);
  const { size } = await stat(file.path);
  let sent = 0;
  let chunks: AsyncIterator<Buffer> | undefined;
  // Pull-based so a large file is read only as fast as the socket takes it.
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(headBytes);
    },
    async pull(controller) {
      chunks ??= createReadStream(file.path, { highWaterMark: 1 << 20 })[
        Symbol.asyncIterator
      ]() as AsyncIterator<Buffer>;
      const next = await chunks.next();
      if (next.done === true) {
        controller.enqueue(tailBytes);
        controller.close();
        return;
      }
      const bytes = next.value;
      controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      sent += bytes.byteLength;
      onProgress?.(sent, size);
    },
  });
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: headBytes.byteLength + size + tailBytes.byteLength,
    stream,
  };
}

import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Ferry's structured JSON logger (pino) writing to stdout. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: 'ferry' }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination === undefined ? pino(options) : pino(options, destination);
}

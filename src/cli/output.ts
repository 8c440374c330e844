import Table from 'cli-table3';
import { FerryError, toFerryError } from '../core/index.js';

/** Options every command that prints takes. */
export interface OutputOptions {
  readonly json?: boolean;
}

/** Print a value as JSON for scripts. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Print rows as a table for people. */
export function printTable(head: string[], rows: (string | number)[][]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const table = new Table({ head, style: { head: [], border: [] } });
  table.push(...rows.map((row) => row.map(String)));
  process.stdout.write(`${table.toString()}\n`);
}

/** Print key/value lines for one record. */
export function printFields(fields: [string, string | number | undefined | null][]): void {
  const width = Math.max(...fields.map(([key]) => key.length));
  for (const [key, value] of fields) {
    if (value === undefined || value === null || value === '') continue;
    process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
  }
}

/** Print an error as one clear line on stderr and return the process exit code. */
export function reportError(error: unknown): number {
  const ferryError = toFerryError(error);
  const cause = ferryError.cause;
  const message =
    ferryError.code === 'INTERNAL' && cause instanceof Error && !(cause instanceof FerryError)
      ? cause.message
      : ferryError.message;
  process.stderr.write(`error: ${message} [${ferryError.code}]\n`);
  return 1;
}

/** A short human form of a byte count. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

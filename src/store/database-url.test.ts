import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from './database-url.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

describe('parseDatabaseUrl', () => {
  it('puts the SQLite file in the data folder when the url is empty', () => {
    expect(parseDatabaseUrl('', '/data')).toEqual({ dialect: 'sqlite', path: join('/data', 'ferry.db') });
  });

  it('resolves a sqlite: path against the working folder', () => {
    expect(parseDatabaseUrl('sqlite:meta/ferry.db', '/data')).toEqual({
      dialect: 'sqlite',
      path: resolve('meta/ferry.db'),
    });
    expect(parseDatabaseUrl('sqlite:/var/ferry.db', '/data')).toEqual({
      dialect: 'sqlite',
      path: '/var/ferry.db',
    });
  });

  it('takes the schema out of a postgres url and hides the password in the display form', () => {
    const location = parseDatabaseUrl(
      'postgresql://ferry:secret@db:5432/ferry?schema=tenant_a&sslmode=disable',
      '',
    );
    expect(location).toEqual({
      dialect: 'postgres',
      connectionString: 'postgresql://ferry:secret@db:5432/ferry?sslmode=disable',
      schema: 'tenant_a',
      display: 'postgresql://ferry@db:5432/ferry?sslmode=disable',
    });
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await expectFerryError(
      () => parseDatabaseUrl('postgres://db/ferry?schema=a%22;drop', ''),
      'INVALID_CONFIG',
      'schema name',
    );
  });

  it('rejects an unsupported scheme without echoing credentials', () => {
    let message = '';
    try {
      parseDatabaseUrl('mysql://root:hunter2@db/ferry', '');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('mysql');
    expect(message).not.toContain('hunter2');
  });
});

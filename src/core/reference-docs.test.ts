import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalog } from './errors.js';
import { renderConfigDoc, renderErrorsDoc } from './reference-docs.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('reference docs', () => {
  it('docs/reference/errors.md lists exactly the error catalog (run `npm run docs:reference` after changing it)', () => {
    expect(read('docs/reference/errors.md')).toBe(renderErrorsDoc());
    const documented = [...read('docs/reference/errors.md').matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map(
      (m) => [m[1], Number(m[2])],
    );
    expect(documented).toEqual(Object.entries(errorCatalog).map(([code, { status }]) => [code, status]));
  });

  it('docs/reference/config.md lists exactly the config schema (run `npm run docs:reference` after changing it)', () => {
    expect(read('docs/reference/config.md')).toBe(renderConfigDoc());
  });
});

import { FerryError } from '../core/index.js';
import { isPlainObject } from './plain-object.js';

const MAX_TAGS = 64;
const MAX_TAG_KEY_LENGTH = 128;
const MAX_TAG_VALUE_LENGTH = 1024;

/**
 * Check a version's tags: at most 64 string keys of 1-128 characters, each with a string value
 * of up to 1024 characters. Returns a clean copy.
 */
export function validateTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    throw new FerryError('INVALID_ARGUMENT', 'tags must be an object of strings, e.g. {"team": "risk"}');
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_TAGS) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `a version has at most ${MAX_TAGS} tags; ${entries.length} were given`,
    );
  }
  const tags: Record<string, string> = {};
  for (const [key, tag] of entries) {
    if (key.length === 0 || key.length > MAX_TAG_KEY_LENGTH) {
      throw new FerryError('INVALID_ARGUMENT', `a tag name must be 1-${MAX_TAG_KEY_LENGTH} characters long`);
    }
    if (typeof tag !== 'string' || tag.length > MAX_TAG_VALUE_LENGTH) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `tag '${key}' must have a string value of at most ${MAX_TAG_VALUE_LENGTH} characters`,
      );
    }
    tags[key] = tag;
  }
  return tags;
}

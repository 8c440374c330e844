import { parse, YAMLError } from 'yaml';
import { FerryError } from '../core/index.js';
import { isPlainObject } from './plain-object.js';

/** Largest model card accepted, in UTF-16 code units (about 1 MiB of text). */
export const MAX_MODEL_CARD_LENGTH = 1 << 20;

/** A model card split into its YAML front matter and its Markdown body. */
export interface ParsedModelCard {
  /** The front matter mapping ({} when the card has none). */
  readonly metadata: Record<string, unknown>;
  /** The Markdown after the front matter. */
  readonly markdown: string;
}

/** A version's card as the API returns it: null Markdown when the version has no card. */
export interface ModelCard {
  readonly markdown: string | null;
  readonly metadata: Record<string, unknown>;
}

const OPENING = /^\uFEFF?---[ \t]*\r?\n/;
const CLOSING = /^(?:---|\.\.\.)[ \t]*$/m;

function invalid(message: string, cause?: unknown): FerryError {
  return new FerryError('INVALID_MODEL_CARD', message, cause === undefined ? undefined : { cause });
}

function describeYamlValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}

/**
 * Split a model card into its YAML front matter (between a first line `---` and the next `---`)
 * and its Markdown. Throws INVALID_MODEL_CARD when the front matter is not valid YAML, is not a
 * mapping, or is never closed.
 */
export function parseModelCard(text: string): ParsedModelCard {
  if (text.length > MAX_MODEL_CARD_LENGTH) {
    throw invalid(`the model card is ${text.length} characters long; the limit is ${MAX_MODEL_CARD_LENGTH}`);
  }
  const opening = OPENING.exec(text);
  if (opening === null) return { metadata: {}, markdown: text.replace(/^\uFEFF/, '') };
  const rest = text.slice(opening[0].length);
  const closing = CLOSING.exec(rest);
  if (closing === null) {
    throw invalid(
      "the model card opens a YAML front matter with '---' but never closes it; add a '---' line after it",
    );
  }
  const yamlText = rest.slice(0, closing.index);
  const markdown = rest.slice(closing.index + closing[0].length).replace(/^\r?\n/, '');
  let metadata: unknown;
  try {
    metadata = parse(yamlText, { uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    const reason = error instanceof YAMLError ? error.message : String(error);
    throw invalid(`the model card's front matter is not valid YAML: ${reason}`, error);
  }
  if (metadata === null || metadata === undefined) return { metadata: {}, markdown };
  if (!isPlainObject(metadata)) {
    throw invalid(
      `the model card's front matter must be a YAML mapping of 'key: value' lines, but it is ${describeYamlValue(metadata)}`,
    );
  }
  return { metadata, markdown };
}

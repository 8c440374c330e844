import { createHash } from 'node:crypto';
import { storedFloat32, type FeatureValue } from '../features/extract-rows.js';

/**
 * How the packed features of rows logged before segments (the `predictions` table, read by the
 * legacy import) are laid out: `packed` names the float32 values of a row
 * in order, `order` lists every stored input feature (packed or not) in feature order, so a row
 * reads back with its features in the order they were extracted. One layout serves every row of a
 * model version (under one redaction); the store keeps it once, by its digest.
 */
export class PackedLayout {
  /** Position of each packed name in a row's values. */
  readonly index: ReadonlyMap<string, number>;
  /** `{"order": [...], "packed": [...]}`, as stored. */
  readonly json: string;
  /** SHA-256 of {@link json} (hex). */
  readonly digest: string;

  constructor(
    readonly order: readonly string[],
    readonly packed: readonly string[],
  ) {
    this.index = new Map(packed.map((name, position) => [name, position]));
    this.json = JSON.stringify({ order, packed });
    this.digest = createHash('sha256').update(this.json).digest('hex');
  }

  /** The layout of stored JSON (`layout_json`). */
  static fromJSON(text: string): PackedLayout {
    const { order, packed } = JSON.parse(text) as { order: string[]; packed: string[] };
    return new PackedLayout(order, packed);
  }
}

/**
 * One row's stored input features with the numeric ones packed: float32 `values` in the layout's
 * order (NaN or an infinity: missing), and the other stored inputs by name in `rest`.
 */
export interface PackedFeatures {
  readonly layout: PackedLayout;
  readonly values: Float32Array;
  readonly rest: Readonly<Record<string, FeatureValue>>;
}

/**
 * The named features of a packed row, in the layout's order: packed values as the shortest
 * decimal that is the same float32 (as they were stored before packing), missing ones null.
 */
export function unpackFeatures(packed: PackedFeatures): Record<string, FeatureValue> {
  const { layout, values, rest } = packed;
  const features: Record<string, FeatureValue> = {};
  for (const name of layout.order) {
    const position = layout.index.get(name);
    if (position !== undefined) features[name] = storedFloat32(values[position]!);
    else if (name in rest) features[name] = rest[name]!;
  }
  return features;
}

/** Packed values from their stored bytes (copied, so alignment does not matter). */
export function packedValues(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength - (bytes.byteLength % 4));
  copy.set(bytes.subarray(0, copy.byteLength));
  return new Float32Array(copy.buffer);
}

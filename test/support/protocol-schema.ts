import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

const schema = JSON.parse(
  readFileSync(new URL('../fixtures/open-inference-protocol.schema.json', import.meta.url), 'utf8'),
) as object;
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addSchema(schema);

/** The protocol object kinds the schema defines. */
export type ProtocolObject =
  'metadata_server_response' | 'metadata_model_response' | 'inference_response' | 'error_response';

/** Errors of `value` against one object of the protocol's schema; empty when it conforms. */
export function protocolErrors(kind: ProtocolObject, value: unknown): string[] {
  const validate = ajv.getSchema(
    `https://ferry.dev/schemas/open-inference-protocol-v2-rest.json#/definitions/${kind}`,
  );
  if (validate === undefined) throw new Error(`no schema for ${kind}`);
  return validate(value)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}

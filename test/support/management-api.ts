import { expect } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.js';

/** A response with its body parsed: JSON when the server says so, text otherwise. */
export interface ApiResponse {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

/** What a call sends: a JSON value, or a raw body (FormData, bytes, text) with its own headers. */
export interface ApiCall {
  readonly json?: unknown;
  readonly body?: RequestInit['body'];
  readonly headers?: Readonly<Record<string, string>>;
}

/** Send one request to the management API (or anywhere) and read the whole answer. */
export async function apiCall(method: string, url: string, call: ApiCall = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...call.headers };
  let body = call.body;
  if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.json);
  }
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    body: text === '' ? undefined : type.includes('application/json') ? JSON.parse(text) : text,
    headers: response.headers,
  };
}

/** A multipart push form: the text fields in the order given, then the artifact file part. */
export function pushForm(fields: Readonly<Record<string, string>>, artifact: Uint8Array): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('artifact', new Blob([artifact]), 'model.onnx');
  return form;
}

/**
 * Assert a `/api/v1` error answer: the status of `code`, a JSON body shaped exactly
 * `{"error": {"code", "message", "details"?}}`, and a message containing `message` when given.
 */
export function expectApiError(
  response: ApiResponse,
  status: number,
  code: ErrorCode,
  message?: string | RegExp,
): string {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(response.body)).toEqual(['error']);
  const { error } = response.body;
  expect(Object.keys(error).filter((key) => key !== 'details')).toEqual(['code', 'message']);
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  if (typeof message === 'string') expect(error.message).toContain(message);
  else if (message !== undefined) expect(error.message).toMatch(message);
  return error.message;
}

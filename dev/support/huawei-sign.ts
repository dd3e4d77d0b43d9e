/**
 * Signs requests with the OFFICIAL Huawei Cloud SDK (`@huaweicloud/huaweicloud-sdk-core`) and returns exactly what
 * it would put on the wire. The request goes through the real HcClient → BasicCredentials.processAuthRequest →
 * AKSKSigner.sign → DefaultHttpClient (axios) pipeline; only axios' transport adapter is replaced (through the
 * SDK's own `axiosRequestConfig` option) by one that captures the final request instead of opening a socket.
 *
 * The signed `host` is forced to `new URL(url).host`, which is what Node's fetch sends (fetch ignores a Host
 * header), so the headers can be replayed with fetch as-is.
 */
import { stringify } from 'node:querystring';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { HcClient, type HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { DefaultHttpClient } from '@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient.js';

export interface HuaweiSignInput {
  ak: string;
  sk: string;
  method: string;
  /** absolute URL, e.g. http://127.0.0.1:3000/v2/partners/sub-customers/users/check-identity?a=1 */
  url: string;
  headers?: Record<string, string>;
  /**
   * JSON body as an object, or as a string in JSON.stringify form (the SDK hashes JSON.stringify(data), so any
   * other spelling would not match the bytes sent; this helper throws rather than return such a request).
   * With a non-JSON content type a string is sent as-is and the SDK marks the payload UNSIGNED-PAYLOAD.
   */
  body?: string | Record<string, unknown> | unknown[];
  /** signing time; default: now (the SDK's own clock) */
  date?: Date;
}

export interface HuaweiSignedRequest {
  method: string;
  /** URL as the SDK sends it (query re-serialized with node:querystring, trailing slash stripped) */
  url: string;
  headers: Record<string, string>;
  /** exact body bytes sent; undefined when no body */
  body: string | undefined;
}

interface CapturedAxiosConfig {
  url?: string;
  baseURL?: string;
  method?: string;
  data?: unknown;
  params?: unknown;
  headers?: unknown;
}

/** `YYYYMMDDTHHMMSSZ`, the format of X-Sdk-Date. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

function plainHeaders(raw: unknown): Record<string, string> {
  const source =
    raw !== null && typeof raw === 'object' && 'toJSON' in raw && typeof raw.toJSON === 'function'
      ? (raw.toJSON as () => unknown).call(raw)
      : raw;
  const out: Record<string, string> = {};
  if (source === null || typeof source !== 'object') return out;
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'string' || typeof value === 'number') out[key] = String(value);
  }
  return out;
}

export async function signRequestWithHuaweiSdk(input: HuaweiSignInput): Promise<HuaweiSignedRequest> {
  const target = new URL(input.url);
  const endpoint = target.origin;

  const headers: Record<string, string> = {};
  let contentType: string | undefined;
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (name.toLowerCase() === 'content-type') contentType = value;
    else headers[name] = value;
  }
  if (contentType === undefined && input.body !== undefined) contentType = 'application/json';
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) headers.host = target.host;
  if (input.date) headers['X-Sdk-Date'] = formatSdkDate(input.date);

  const queryParams: Record<string, string | string[]> = {};
  for (const key of new Set(target.searchParams.keys())) {
    const values = target.searchParams.getAll(key);
    queryParams[key] = values.length === 1 ? values[0]! : values;
  }

  const isJson = contentType?.toLowerCase().includes('application/json') ?? true;
  let data: unknown = input.body;
  if (typeof input.body === 'string' && isJson) {
    try {
      data = JSON.parse(input.body);
    } catch {
      throw new Error('signWithHuaweiSdk: a JSON request body must be valid JSON');
    }
  }

  let captured: CapturedAxiosConfig | undefined;
  const options: HttpRequestOptions & { axiosRequestConfig: { adapter: (config: CapturedAxiosConfig) => Promise<unknown> } } = {
    method: input.method.toUpperCase(),
    url: target.pathname,
    contentType: contentType ?? '', // falsy → HcClient sets no content-type
    pathParams: {},
    queryParams,
    headers,
    ...(data === undefined ? {} : { data: data as Record<string, unknown> }),
    axiosRequestConfig: {
      adapter: async (config) => {
        captured = config;
        return { data: {}, status: 200, statusText: 'OK', headers: {}, config };
      },
    },
  };

  const credentials = new BasicCredentials().withAk(input.ak).withSk(input.sk);
  const client = new HcClient(new DefaultHttpClient({}, [endpoint])).withEndpoints([endpoint]).withCredential(credentials);
  await client.sendRequest(options);
  if (!captured) throw new Error('signWithHuaweiSdk: the SDK did not issue a request');

  const base = (captured.baseURL ?? endpoint).replace(/\/?\/$/, '');
  const path = (captured.url ?? '').replace(/^\/+/, '');
  const query =
    captured.params !== null && typeof captured.params === 'object' ? stringify(captured.params as Record<string, string | string[]>) : '';
  const body = typeof captured.data === 'string' ? captured.data : undefined;
  if (captured.data !== undefined && body === undefined) throw new Error('signWithHuaweiSdk: unsupported body type');
  if (typeof input.body === 'string' && body !== input.body) {
    throw new Error('signWithHuaweiSdk: the SDK would send different body bytes; pass the body in JSON.stringify form');
  }

  return {
    method: (captured.method ?? input.method).toUpperCase(),
    url: `${base}/${path}${query ? `?${query}` : ''}`,
    headers: plainHeaders(captured.headers),
    body,
  };
}

/** Headers (Authorization, X-Sdk-Date, host, content type, …) exactly as the official SDK sends them. */
export async function signWithHuaweiSdk(input: HuaweiSignInput): Promise<Record<string, string>> {
  return (await signRequestWithHuaweiSdk(input)).headers;
}

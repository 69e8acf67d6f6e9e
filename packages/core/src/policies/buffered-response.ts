// A response read once into memory, from which any number of callers get their own Response.
export interface BufferedResponse {
  status: number;
  statusText: string;
  headers: Headers;
  bytes: Uint8Array<ArrayBuffer>;
}

/** Statuses a Response may not have a body with (`new Response(bytes, { status: 204 })` throws). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

export async function bufferResponse(response: Response): Promise<BufferedResponse> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, statusText: response.statusText, headers: response.headers, bytes };
}

/** A fresh Response over the bytes (the Response constructor copies them: no copy needed here). */
export function toResponse(buffered: BufferedResponse): Response {
  const { status, statusText, headers } = buffered;
  return new Response(NULL_BODY_STATUS.has(status) ? null : buffered.bytes, { status, statusText, headers });
}

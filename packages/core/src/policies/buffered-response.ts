// A response read once into memory, from which any number of callers get their own Response.
export interface BufferedResponse {
  status: number;
  statusText: string;
  headers: Headers;
  bytes: Uint8Array<ArrayBuffer>;
}

export async function bufferResponse(response: Response): Promise<BufferedResponse> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, statusText: response.statusText, headers: response.headers, bytes };
}

export function toResponse(buffered: BufferedResponse): Response {
  return new Response(buffered.bytes.slice(), { status: buffered.status, statusText: buffered.statusText, headers: buffered.headers });
}

// Errors the proxy itself produces (auth, bad request, readiness) are shaped like Gemini's own
// google.rpc.Status, so SDKs parse them the same way:
// `{"error":{"code":401,"message":"…","status":"UNAUTHENTICATED"}}`. Pool failures use core's
// gempoolErrorResponse instead (same shape, plus an ErrorInfo naming the gempool code).
import type { ServerResponse } from 'node:http';

export type RpcStatusName = 'UNAUTHENTICATED' | 'INVALID_ARGUMENT' | 'UNAVAILABLE' | 'INTERNAL';

export function rpcStatusBody(code: number, status: RpcStatusName, message: string): string {
  return JSON.stringify({ error: { code, message, status } });
}

/** Writes a google.rpc.Status error unless headers already went out (then the socket is cut). */
export function sendRpcStatus(res: ServerResponse, code: number, status: RpcStatusName, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = rpcStatusBody(code, status, message);
  res.writeHead(code, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

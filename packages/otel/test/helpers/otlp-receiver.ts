// A local OTLP/HTTP receiver on port 0: accepts protobuf exports at /v1/traces and /v1/metrics,
// keeps the raw bodies (to search for secrets) and the decoded spans and metrics.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeMetrics, decodeTraces, type DecodedMetric, type DecodedSpan } from './otlp-proto.js';

export interface OtlpReceiver {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  spans: DecodedSpan[];
  /** Every metrics export, in order (cumulative: the last one holds the totals). */
  metricExports: DecodedMetric[][];
  rawBodies: Buffer[];
  headers: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const receiver: Omit<OtlpReceiver, 'origin' | 'close'> = { spans: [], metricExports: [], rawBodies: [], headers: [] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      receiver.rawBodies.push(body);
      receiver.headers.push(req.headers);
      if (req.url === '/v1/traces') receiver.spans.push(...decodeTraces(body));
      else if (req.url === '/v1/metrics') receiver.metricExports.push(decodeMetrics(body));
      else {
        res.writeHead(404).end();
        return;
      }
      // An empty Export*ServiceResponse: full success.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

// A lease: one slot (an HTTP/2 stream or an HTTP/1.1 connection) on one pooled connection, held
// from dispatch until the response body is read to the end, cancelled or errored.
import type { Slot } from '../resource-pool/pool-entry.js';
import type { Connection } from './connection.js';

export type Lease = Slot<Connection>;

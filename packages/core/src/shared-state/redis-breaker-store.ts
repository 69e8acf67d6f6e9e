// Breaker state shared through Redis.
//   - An open breaker is a record `{ until, openForMs }`: `until` is in the pools' clock (wall time
//     in production, the injected clock in tests), so every instance decides half-open on its own
//     clock and Redis time never has to agree with it. The key's TTL only cleans up.
//   - Probe leadership for the episode is settled when the breaker opens: a `SET NX PX` lease the
//     opener takes unless another instance already holds it. Every open message carries the
//     leader, so the others know at once that they must stay open while the leader probes.
//   - A pub/sub message makes the others see an open or close at once; an instance that joins late
//     or missed a message finds open breakers by scanning the records.
import type { Redis } from 'ioredis';
import type { RedisLink } from './redis-link.js';

export type SharedBreakerMessage =
  | { type: 'open'; endpoint: string; openForMs: number; until?: number; leader?: string; from: string }
  | { type: 'close'; endpoint: string; from: string };

export interface OpenBreaker {
  endpoint: string;
  /** Pool-clock time the breaker goes half-open, as the instance that opened it computed it. */
  until: number;
  /** The open time it was published with (bounds `until` against clock skew). */
  openForMs: number;
  /** Instance holding the probe lease, if any. */
  leader: string | undefined;
}

// KEYS[1] = open record, KEYS[2] = probe lease. ARGV[1] = instance id, ARGV[2] = record JSON,
// ARGV[3] = TTL ms for both, ARGV[4] = channel, ARGV[5] = message JSON without its closing brace.
// Takes (or keeps, or renews its own) probe lease, stores the record, publishes the open with the
// leader, returns the leader.
const OPEN_SCRIPT = `
local leader = redis.call('GET', KEYS[2])
if not leader or leader == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
  leader = ARGV[1]
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5] .. ',"leader":' .. cjson.encode(leader) .. '}')
return leader
`;

interface BreakerCommands {
  gempoolBreakerOpen(open: string, probe: string, ...args: Array<string | number>): Promise<string>;
}

export class RedisBreakerStore {
  readonly #link: RedisLink;
  readonly channel: string;
  readonly #openPrefix: string;
  readonly #probePrefix: string;

  constructor(link: RedisLink) {
    this.#link = link;
    this.channel = `${link.keyPrefix}breaker-events`;
    this.#openPrefix = `${link.keyPrefix}breaker:open:`;
    this.#probePrefix = `${link.keyPrefix}breaker:probe:`;
    link.commands.defineCommand('gempoolBreakerOpen', { numberOfKeys: 2, lua: OPEN_SCRIPT });
  }

  /** Joins the breaker channel (this also counts the instance in fleetSize()). */
  async join(): Promise<void> {
    await this.#link.subscriber.subscribe(this.channel);
  }

  /** Delivers other instances' messages to `listener`. */
  onMessage(listener: (message: SharedBreakerMessage) => void): void {
    this.#link.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const message = parseMessage(text);
      if (message !== undefined && message.from !== this.#link.instanceId) listener(message);
    });
  }

  /**
   * Publishes `endpoint` open until `until` (pool clock). Records and leases live for the open time
   * plus `leaseMs` (the leader's time to probe). Resolves to the probe leader's instance id.
   */
  async publishOpen(endpoint: string, openForMs: number, until: number, leaseMs: number): Promise<string> {
    const openMs = Math.max(1, Math.ceil(openForMs));
    const record = JSON.stringify({ until, openForMs: openMs });
    const message = JSON.stringify({ type: 'open', endpoint, openForMs: openMs, until, from: this.#link.instanceId });
    const ttlMs = openMs + Math.max(1, Math.ceil(leaseMs));
    const commands = this.#link.commands as Redis & BreakerCommands;
    return commands.gempoolBreakerOpen(this.#openPrefix + endpoint, this.#probePrefix + endpoint, this.#link.instanceId, record, ttlMs, this.channel, message.slice(0, -1));
  }

  async publishClose(endpoint: string): Promise<void> {
    const message: SharedBreakerMessage = { type: 'close', endpoint, from: this.#link.instanceId };
    await this.#link.commands
      .multi()
      .del(this.#openPrefix + endpoint, this.#probePrefix + endpoint)
      .publish(this.channel, JSON.stringify(message))
      .exec();
  }

  /** True when this instance may send the half-open probes for `endpoint` (for `leaseMs`). */
  async tryLeadProbe(endpoint: string, leaseMs: number): Promise<boolean> {
    const key = this.#probePrefix + endpoint;
    const set = await this.#link.commands.set(key, this.#link.instanceId, 'PX', Math.max(1, Math.ceil(leaseMs)), 'NX');
    if (set === 'OK') return true;
    // Already ours (asked twice) counts as leading.
    return (await this.#link.commands.get(key)) === this.#link.instanceId;
  }

  /** Every breaker record in the fleet, with its probe leader. */
  async openBreakers(): Promise<OpenBreaker[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.#link.commands.scan(cursor, 'MATCH', `${this.#openPrefix}*`, 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const endpoints = keys.map((key) => key.slice(this.#openPrefix.length));
    const pipeline = this.#link.commands.pipeline();
    for (const endpoint of endpoints) pipeline.get(this.#openPrefix + endpoint).get(this.#probePrefix + endpoint);
    const replies = (await pipeline.exec()) ?? [];
    const open: OpenBreaker[] = [];
    endpoints.forEach((endpoint, index) => {
      const record = parseRecord(replies[index * 2]?.[1]);
      const leader = replies[index * 2 + 1]?.[1];
      if (record !== undefined) open.push({ endpoint, ...record, leader: typeof leader === 'string' ? leader : undefined });
    });
    return open;
  }

  /** Instances listening on the breaker channel: the fleet size, for sharing quota while Redis is away. */
  async fleetSize(): Promise<number> {
    const reply = (await this.#link.commands.call('PUBSUB', 'NUMSUB', this.channel)) as [string, number];
    return Math.max(1, Number(reply[1]) || 1);
  }
}

function parseRecord(value: unknown): { until: number; openForMs: number } | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const record = JSON.parse(value) as { until?: unknown; openForMs?: unknown };
    if (typeof record.until === 'number' && typeof record.openForMs === 'number' && record.openForMs > 0) return { until: record.until, openForMs: record.openForMs };
  } catch {
    // A record we cannot read (another gempool version?) is ignored, not fatal.
  }
  return undefined;
}

function parseMessage(text: string): SharedBreakerMessage | undefined {
  try {
    const message = JSON.parse(text) as Partial<SharedBreakerMessage>;
    if (typeof message.endpoint !== 'string' || typeof message.from !== 'string') return undefined;
    if (message.type === 'close') return message as SharedBreakerMessage;
    if (message.type === 'open' && typeof message.openForMs === 'number' && message.openForMs > 0) return message as SharedBreakerMessage;
  } catch {
    // A message we cannot read (another gempool version?) is ignored, not fatal.
  }
  return undefined;
}

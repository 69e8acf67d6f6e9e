// Breaker state shared through Redis. An open breaker is a key with a TTL (its time until
// half-open), so an instance that joins late or missed a message still finds it by scanning; a
// pub/sub message makes the others see it at once. Half-open probe leadership is `SET NX PX`: the
// first instance to ask probes, the rest stay open until it reports.
import type { RedisLink } from './redis-link.js';

export type SharedBreakerMessage =
  | { type: 'open'; endpoint: string; openForMs: number; from: string }
  | { type: 'close'; endpoint: string; from: string };

export interface OpenBreaker {
  endpoint: string;
  /** Time left until half-open, ms. */
  openForMs: number;
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

  async publishOpen(endpoint: string, openForMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(openForMs));
    const message: SharedBreakerMessage = { type: 'open', endpoint, openForMs: ttl, from: this.#link.instanceId };
    await this.#link.commands
      .multi()
      .set(this.#openPrefix + endpoint, this.#link.instanceId, 'PX', ttl)
      .del(this.#probePrefix + endpoint)
      .publish(this.channel, JSON.stringify(message))
      .exec();
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

  /** Every breaker open somewhere in the fleet, with its remaining open time. */
  async openBreakers(): Promise<OpenBreaker[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.#link.commands.scan(cursor, 'MATCH', `${this.#openPrefix}*`, 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const pipeline = this.#link.commands.pipeline();
    for (const key of keys) pipeline.pttl(key);
    const ttls = (await pipeline.exec()) ?? [];
    const open: OpenBreaker[] = [];
    keys.forEach((key, index) => {
      const [error, ttl] = ttls[index] ?? [];
      if (error === null && typeof ttl === 'number' && ttl > 0) open.push({ endpoint: key.slice(this.#openPrefix.length), openForMs: ttl });
    });
    return open;
  }

  /** Instances listening on the breaker channel: the fleet size, for sharing quota while Redis is away. */
  async fleetSize(): Promise<number> {
    const reply = (await this.#link.commands.call('PUBSUB', 'NUMSUB', this.channel)) as [string, number];
    return Math.max(1, Number(reply[1]) || 1);
  }
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

// How many connection slots each lane holds right now. The lane step tags each call with its lane;
// lease-acquired / lease-released events (from the lease step, with the call id) move the counts,
// so a slot counts until its response body ends, not just until headers arrive.
export interface LaneOccupancy {
  held(lane: string): number;
}

export class LeaseLaneOccupancy implements LaneOccupancy {
  readonly #held = new Map<string, number>();
  /** callId → lane, plus leases that call holds; dropped when the call ended and holds none. */
  readonly #calls = new Map<number, { lane: string; leases: number; ended: boolean }>();

  held(lane: string): number {
    return this.#held.get(lane) ?? 0;
  }

  callStarted(callId: number, lane: string): void {
    this.#calls.set(callId, { lane, leases: 0, ended: false });
  }

  callEnded(callId: number): void {
    const call = this.#calls.get(callId);
    if (call === undefined) return;
    call.ended = true;
    if (call.leases === 0) this.#calls.delete(callId);
  }

  leaseAcquired(callId: number | undefined): void {
    const call = callId === undefined ? undefined : this.#calls.get(callId);
    if (call === undefined) return;
    call.leases++;
    this.#held.set(call.lane, this.held(call.lane) + 1);
  }

  leaseReleased(callId: number | undefined): void {
    const call = callId === undefined ? undefined : this.#calls.get(callId);
    if (call === undefined || call.leases === 0) return;
    call.leases--;
    this.#held.set(call.lane, Math.max(0, this.held(call.lane) - 1));
    if (call.ended && call.leases === 0) this.#calls.delete(callId!);
  }
}

// How many connection slots each lane holds right now. The lane step tags each call with its lane;
// lease-acquired / lease-released events (from the lease step and the response body, with the call
// id) move the counts, so a slot counts until its response body ends, not just until headers.
// A call holds at most one slot at a time (attempts are sequential), which keeps this robust when
// a failed send gives its slot back without an event.
export interface LaneOccupancy {
  held(lane: string): number;
}

interface TrackedCall {
  lane: string;
  holding: boolean;
  ended: boolean;
  /** Slots the call has had (one per attempt). */
  leases: number;
}

export class LeaseLaneOccupancy implements LaneOccupancy {
  readonly #held = new Map<string, number>();
  readonly #calls = new Map<number, TrackedCall>();

  held(lane: string): number {
    return this.#held.get(lane) ?? 0;
  }

  callStarted(callId: number, lane: string): void {
    this.#calls.set(callId, { lane, holding: false, ended: false, leases: 0 });
  }

  /** `withBody`: a response body may still hold the slot; otherwise nothing can. */
  callEnded(callId: number, withBody: boolean): void {
    const call = this.#calls.get(callId);
    if (call === undefined) return;
    call.ended = true;
    if (call.holding && !withBody) this.#drop(call);
    if (!call.holding) this.#calls.delete(callId);
  }

  /** The call's lane and whether this is its first slot; undefined for calls no lane step saw. */
  leaseAcquired(callId: number | undefined): { lane: string; first: boolean } | undefined {
    const call = callId === undefined ? undefined : this.#calls.get(callId);
    if (call === undefined || call.holding) return undefined;
    call.holding = true;
    call.leases++;
    this.#held.set(call.lane, this.held(call.lane) + 1);
    return { lane: call.lane, first: call.leases === 1 };
  }

  leaseReleased(callId: number | undefined): void {
    const call = callId === undefined ? undefined : this.#calls.get(callId);
    if (call === undefined || !call.holding) return;
    this.#drop(call);
    if (call.ended) this.#calls.delete(callId!);
  }

  #drop(call: TrackedCall): void {
    call.holding = false;
    this.#held.set(call.lane, Math.max(0, this.held(call.lane) - 1));
  }
}

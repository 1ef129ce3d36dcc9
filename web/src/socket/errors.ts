// Errors an acknowledged emit can reject with. Distinct classes so the app can tell "try again" (both are
// retryable with the same tempId: the server de-duplicates) from a server refusal, which comes back in the ack.

/** No acknowledgement within the timeout; the server may or may not have applied the event. */
export class AckTimeoutError extends Error {
  constructor(readonly event: string, readonly timeoutMs: number) {
    super(`no acknowledgement for "${event}" within ${timeoutMs} ms`);
    this.name = "AckTimeoutError";
    // Keeps instanceof working should this ever be compiled for ES5, where extending Error loses the prototype.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** The connection the event was sent on dropped (or was closed on purpose) before the acknowledgement came. */
export class DisconnectedError extends Error {
  constructor(readonly event: string, readonly reason: string) {
    super(`"${event}" was not acknowledged: ${reason}`);
    this.name = "DisconnectedError";
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

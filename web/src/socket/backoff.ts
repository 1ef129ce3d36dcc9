// Reconnection delays: pure, so the schedule can be tested without a clock.

export interface ReconnectOptions {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** Cap of the doubling delay (before jitter). */
  maxDelayMs: number;
  /** Retries after a drop before giving up with status "failed". */
  attempts: number;
  /** Spread of the random jitter, as a fraction of the delay: 0.2 is ±20 %. */
  jitter?: number;
}

export const defaultReconnect: Required<ReconnectOptions> = {
  initialDelayMs: 1000,
  maxDelayMs: 5000,
  attempts: 5,
  jitter: 0.2,
};

/**
 * The delay before retry number `attempt` (1-based): initialDelay doubled per attempt, capped at maxDelay, then
 * spread by ±jitter. `random` returns [0, 1) like Math.random; 0.5 gives the exact delay (how tests turn jitter off).
 *
 * The jitter is applied after the cap on purpose: capping after it would pin half of all clients at exactly
 * maxDelay, so that after a server restart they would all come back in the same instant.
 */
export function backoffDelay(attempt: number, options: ReconnectOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const base = Math.min(options.initialDelayMs * 2 ** exponent, options.maxDelayMs);
  const jitter = options.jitter ?? defaultReconnect.jitter;
  const factor = 1 + jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * factor));
}

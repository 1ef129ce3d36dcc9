// A small cache of server data by key, shared by every component that shows it: one fetch per key at a time,
// socket events write into it (set/update), and invalidate() makes the mounted queries refetch, e.g. after a
// reconnection the server could not recover.

import { useCallback, useEffect, useRef, useSyncExternalStore } from "react";

// The list reducers live in their own modules; re-exported so that "the query cache" is one import for the app.
export * from "./messagePages";
export * from "./chatList";

export interface QueryEntry<T> {
  /** The last data fetched or set; undefined until then. */
  data: T | undefined;
  /** The last fetch's error, cleared by the next successful fetch. */
  error: unknown;
  /** A fetch is in flight. */
  fetching: boolean;
  /** Invalidated since the data was fetched: the queries observing it refetch. */
  stale: boolean;
  /** Date.now() of the last successful fetch or set; 0 if none. */
  updatedAt: number;
}

/** The entry of a key never used: one shared object, so that useSyncExternalStore sees a stable snapshot. */
const emptyEntry: QueryEntry<never> = Object.freeze({ data: undefined, error: undefined, fetching: false, stale: false, updatedAt: 0 });

/** A fetch in flight; `invalidated` when invalidate() came while it ran. */
interface Flight {
  promise: Promise<unknown> | undefined;
  invalidated: boolean;
}

export class QueryCache {
  // Entries are replaced, never mutated: a new object is what tells React that something changed.
  private readonly entries = new Map<string, QueryEntry<unknown>>();
  private readonly inflight = new Map<string, Flight>();
  private readonly listeners = new Map<string, Set<() => void>>();

  get<T>(key: string): T | undefined {
    return this.entries.get(key)?.data as T | undefined;
  }

  getEntry<T>(key: string): QueryEntry<T> {
    return (this.entries.get(key) ?? emptyEntry) as QueryEntry<T>;
  }

  /**
   * Sets the data, or derives it from the current data (undefined if none). Returning the current value changes
   * nothing and notifies no one.
   */
  set<T>(key: string, value: T | ((current: T | undefined) => T | undefined)): void {
    const entry = this.getEntry<T>(key);
    const next = typeof value === "function" ? (value as (current: T | undefined) => T | undefined)(entry.data) : value;
    if (Object.is(next, entry.data)) return;
    this.put(key, { ...entry, data: next, updatedAt: Date.now() });
  }

  /** Changes the data only if there is some: the usual way to apply a socket event to a list not loaded yet. */
  update<T>(key: string, transform: (current: T) => T): void {
    this.set<T>(key, (current) => (current === undefined ? current : transform(current)));
  }

  /** Listens to one key's entry; returns the unsubscribe function. */
  subscribe(key: string, listener: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set?.delete(listener);
      if (set?.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  /** Marks keys stale (one key, or those a predicate picks); mounted queries refetch, the data stays meanwhile. */
  invalidate(key: string | ((key: string) => boolean)): void {
    const matches = typeof key === "string" ? (k: string) => k === key : key;
    for (const k of [...new Set([...this.entries.keys(), ...this.inflight.keys()])]) {
      if (!matches(k)) continue;
      // A fetch in flight may have read the server before the change: its result must not count as fresh.
      const flight = this.inflight.get(k);
      if (flight) flight.invalidated = true;
      const entry = this.entries.get(k);
      if (entry && !entry.stale) this.put(k, { ...entry, stale: true });
    }
  }

  /** Fetches into the cache; a fetch of the same key already in flight is shared rather than repeated. */
  fetch<T>(key: string, fetcher: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key);
    if (running) return running.promise as Promise<T>;
    const flight: Flight = { promise: undefined, invalidated: false };
    // After clear() (a logout) a late answer belongs to nobody: it must not land in the new session's cache.
    const current = () => this.inflight.get(key) === flight;
    const promise = new Promise<T>((resolve) => resolve(fetcher())).then(
      (data) => {
        if (!current()) return data;
        this.inflight.delete(key);
        this.put(key, { data, error: undefined, fetching: false, stale: flight.invalidated, updatedAt: Date.now() });
        return data;
      },
      (error: unknown) => {
        if (!current()) throw error;
        this.inflight.delete(key);
        const entry = this.getEntry<unknown>(key);
        // A rejection with no value would read as "no error" to the query and be fetched again and again.
        this.put(key, { ...entry, error: error ?? new Error("fetch failed"), fetching: false, stale: flight.invalidated });
        throw error;
      },
    );
    flight.promise = promise;
    this.inflight.set(key, flight);
    this.put(key, { ...this.getEntry<T>(key), fetching: true, stale: false });
    return promise;
  }

  /** Forgets everything (e.g. on logout); observers see empty entries. */
  clear(): void {
    const keys = [...this.entries.keys()];
    this.entries.clear();
    this.inflight.clear();
    for (const key of keys) this.notify(key);
  }

  private put(key: string, entry: QueryEntry<unknown>): void {
    this.entries.set(key, entry);
    this.notify(key);
  }

  private notify(key: string): void {
    const set = this.listeners.get(key);
    if (set) for (const listener of [...set]) listener();
  }
}

export interface QueryOptions {
  /** False holds the query back (e.g. until a chat id is known); true by default. */
  enabled?: boolean;
}

export interface QueryResult<T> {
  data: T | undefined;
  error: unknown;
  /** No data yet and it is being (or about to be) fetched: show a spinner rather than an empty list. */
  loading: boolean;
  /** A fetch is in flight, a first one or a refetch. */
  fetching: boolean;
  /** Fetches again now; the outcome lands in data or error (the promise never rejects). */
  refetch: () => Promise<void>;
}

/**
 * The data under `key`, fetched when there is none or it was invalidated. The latest `fetcher` is used (it need
 * not be memoised); a change of `key` switches to that key's entry.
 */
export function useQuery<T>(cache: QueryCache, key: string, fetcher: () => Promise<T>, options: QueryOptions = {}): QueryResult<T> {
  const enabled = options.enabled ?? true;
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const subscribe = useCallback((listener: () => void) => cache.subscribe(key, listener), [cache, key]);
  const getSnapshot = () => cache.getEntry<T>(key);
  const entry = useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
  const wanted = enabled && shouldFetch(entry);
  useEffect(() => {
    if (wanted) cache.fetch(key, () => fetcherRef.current()).catch(ignore);
  }, [cache, key, wanted]);
  const refetch = useCallback(() => cache.fetch(key, () => fetcherRef.current()).then(ignore, ignore), [cache, key]);
  return {
    data: entry.data,
    error: entry.error,
    loading: entry.data === undefined && (entry.fetching || wanted),
    fetching: entry.fetching,
    refetch,
  };
}

/** Whether an observed entry needs a fetch: never fetched (nor failed), or invalidated; not while one runs. */
export function shouldFetch(entry: QueryEntry<unknown>): boolean {
  if (entry.fetching) return false;
  return entry.stale || (entry.data === undefined && entry.error === undefined);
}

function ignore(): void {}

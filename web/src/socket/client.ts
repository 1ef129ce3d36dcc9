// A Socket.IO v5 client over an Engine.IO v4 WebSocket, for the Parley server (no socket.io-client here).
//
// One namespace ("/"), text packets only, WebSocket transport only (no long-polling fallback: every browser the app
// targets has WebSockets). It takes part in connection state recovery, so that after a short drop the server
// replays the events the client missed instead of the app refetching everything.

import type { ClientToServerEvents, ServerToClientEvents } from "../../../Generated/typescript/events";
import { backoffDelay, defaultReconnect, ReconnectOptions } from "./backoff";
import {
  decodeEnginePacket,
  decodeSocketPacket,
  EngineHandshake,
  encodeSocketPacket,
  JSONValue,
  OutgoingSocketPacket,
} from "./codec";
import { AckTimeoutError, DisconnectedError } from "./errors";

export { AckTimeoutError, DisconnectedError } from "./errors";
export { backoffDelay, defaultReconnect } from "./backoff";
export type { ReconnectOptions } from "./backoff";

/** Any map of event names to listener signatures; interfaces such as the generated ones fit. */
export type EventMap<E> = { [K in keyof E]: (...args: never[]) => void };

/** The payload (first argument) of an event's signature. */
export type EventPayload<F> = F extends (...args: infer A) => void ? (A extends [] ? undefined : A[0]) : never;

/** The type an acknowledged event's server answer has: the parameter of its ack callback (its second argument). */
export type AckResult<F> = F extends (...args: infer A) => void ? (A extends [unknown, (res: infer R) => void] ? R : never) : never;

/** Names of the events that take an ack callback. */
export type AckEventName<E> = { [K in keyof E]-?: [AckResult<E[K]>] extends [never] ? never : K }[keyof E] & keyof E & string;

export type SocketStatus =
  | { kind: "connecting" }
  | { kind: "connected"; recovered: boolean }
  | { kind: "reconnecting"; attempt: number; delayMs: number }
  | { kind: "disconnected" }
  | { kind: "failed"; reason: string };

/** The server's refusal of the CONNECT, e.g. `{message: "...", data: {code: "UNAUTHORIZED"}}` for a bad token. */
export interface ConnectErrorInfo {
  message: string;
  data?: JSONValue;
}

/** setTimeout and clearTimeout, injectable so that tests drive time by hand. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SocketClientOptions {
  /** The CONNECT auth payload; called on every (re)connection so that a refreshed token is picked up. */
  auth: () => Record<string, unknown>;
  /** Where Socket.IO is served; "/socket.io/". */
  path?: string;
  /** Default timeout of emitWithAck; 10000. */
  ackTimeoutMs?: number;
  /** Time from opening the WebSocket to the server's CONNECT answer before giving up on that try; 20000. */
  connectTimeoutMs?: number;
  /** 1000, 5000, 5 attempts, ±20 % jitter. */
  reconnect?: Partial<ReconnectOptions>;
  /** The WebSocket class; the global one by default. */
  WebSocket?: typeof WebSocket;
  /** Math.random by default; `() => 0.5` turns the jitter off. */
  random?: () => number;
  timers?: Timers;
  /** Called when an event handler throws; console.error by default. The other handlers still run. */
  onHandlerError?: (error: unknown, event: string) => void;
}

interface PendingAck {
  event: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: unknown;
  /** Sent on the current connection (so it is lost if that drops), as opposed to waiting in the outbox. */
  sent: boolean;
}

interface Outgoing {
  name: string;
  args: unknown[];
  id?: number;
}

/** One try at a connection: a WebSocket from its opening to its close. */
interface Connection {
  ws: WebSocket;
  /** opening: waiting for the Engine.IO open packet; handshaken: CONNECT sent; connected: CONNECT answered. */
  state: "opening" | "handshaken" | "connected";
  handshake?: EngineHandshake;
  heartbeat?: unknown;
  connectTimer?: unknown;
}

type Handler = (...args: unknown[]) => void;

const defaultTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The WebSocket URL of a server: ws for http, wss for https; the page's origin resolves a relative URL. */
export function socketUrl(url: string, path = "/socket.io/"): string {
  const base = typeof location !== "undefined" ? location.href : undefined;
  const target = new URL(url, base);
  if (target.protocol === "http:") target.protocol = "ws:";
  else if (target.protocol === "https:") target.protocol = "wss:";
  else if (target.protocol !== "ws:" && target.protocol !== "wss:") throw new TypeError(`not an http(s) or ws(s) URL: ${url}`);
  target.pathname = path;
  target.hash = "";
  target.searchParams.set("EIO", "4");
  target.searchParams.set("transport", "websocket");
  return target.toString();
}

export class SocketClient<Listen extends EventMap<Listen> = ServerToClientEvents, Emit extends EventMap<Emit> = ClientToServerEvents> {
  readonly url: string;
  private readonly auth: () => Record<string, unknown>;
  private readonly ackTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly reconnectOptions: Required<ReconnectOptions>;
  private readonly WebSocketClass: typeof WebSocket | undefined;
  private readonly random: () => number;
  private readonly timers: Timers;
  private readonly onHandlerError: (error: unknown, event: string) => void;

  private status: SocketStatus = { kind: "disconnected" };
  /** Whether the client should be connected: from connect() until disconnect(), a refusal or giving up. */
  private active = false;
  private conn: Connection | undefined;
  private attempt = 0;
  private reconnectTimer: unknown;
  private sid: string | undefined;
  /** Recovery: the private session id the server gave, and the offset of the last event received. */
  private pid: string | undefined;
  private offset: string | undefined;

  private nextAckId = 0;
  private readonly pending = new Map<number, PendingAck>();
  private outbox: Outgoing[] = [];

  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly statusListeners = new Set<(status: SocketStatus) => void>();
  private readonly connectErrorListeners = new Set<(error: ConnectErrorInfo) => void>();

  constructor(url: string, options: SocketClientOptions) {
    this.url = socketUrl(url, options.path ?? "/socket.io/");
    this.auth = options.auth;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
    this.reconnectOptions = { ...defaultReconnect, ...options.reconnect };
    this.WebSocketClass = options.WebSocket ?? (typeof WebSocket !== "undefined" ? WebSocket : undefined);
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? defaultTimers;
    this.onHandlerError = options.onHandlerError ?? ((error, event) => console.error(`socket handler for "${event}" threw`, error));
  }

  // MARK: Lifecycle

  /** Starts connecting; nothing happens while already connecting, connected or waiting to reconnect. */
  connect(): void {
    if (this.active) return;
    this.start();
  }

  /** Starts over at once, with a fresh set of attempts: the app's "reconnect" button, or after refreshing a token. */
  reconnectNow(): void {
    if (this.status.kind === "connected") return;
    if (this.conn) this.closeConnection(this.conn);
    this.start();
  }

  /** Leaves on purpose: sends DISCONNECT, closes, and does not reconnect. What waits for an ack rejects. */
  disconnect(): void {
    this.active = false;
    this.cancelReconnect();
    const conn = this.conn;
    if (conn) {
      if (conn.state === "connected") this.sendSocket(conn, { type: "DISCONNECT" });
      this.closeConnection(conn);
    }
    this.rejectPending(() => true, "the client disconnected");
    this.outbox = [];
    // The server does not keep a session that left on purpose: the next connect() starts a new one.
    this.pid = undefined;
    this.offset = undefined;
    this.sid = undefined;
    if (this.status.kind !== "disconnected") this.setStatus({ kind: "disconnected" });
  }

  /**
   * The current status, the same object until it changes. Bound, as onStatus is, so that both can be passed as
   * they are: useSyncExternalStore(client.onStatus, client.getStatus).
   */
  readonly getStatus = (): SocketStatus => this.status;

  /** The server's id for this socket while connected (the same after a recovery). */
  get id(): string | undefined {
    return this.conn?.state === "connected" ? this.sid : undefined;
  }

  // MARK: Listeners

  on<K extends keyof Listen & string>(event: K, handler: Listen[K]): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    // Wrapped so that adding the same function twice gives two independent subscriptions.
    const entry: Handler = (...args) => (handler as unknown as Handler)(...args);
    set.add(entry);
    return () => {
      set?.delete(entry);
    };
  }

  /** Status changes (not the current one: read getStatus() first); returns the unsubscribe function. */
  readonly onStatus = (listener: (status: SocketStatus) => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  };

  /** The server refused the CONNECT (status is "failed" by then): refresh the token and call reconnectNow(). */
  onConnectError(listener: (error: ConnectErrorInfo) => void): () => void {
    this.connectErrorListeners.add(listener);
    return () => {
      this.connectErrorListeners.delete(listener);
    };
  }

  // MARK: Emitting

  /** Sends an event without waiting for an answer; while disconnected it waits in the outbox. */
  emit<K extends keyof Emit & string>(event: K, payload: EventPayload<Emit[K]>): void {
    this.enqueue({ name: event, args: [payload] });
  }

  /**
   * Sends an event and resolves with the server's acknowledgement. Rejects with AckTimeoutError after `timeoutMs`
   * (counted from now, time in the outbox included), or with DisconnectedError when the connection it was sent on
   * drops first; either way the server may have applied it, so a retry must be idempotent (same tempId).
   */
  emitWithAck<K extends AckEventName<Emit>>(event: K, payload: EventPayload<Emit[K]>, timeoutMs: number = this.ackTimeoutMs): Promise<AckResult<Emit[K]>> {
    return new Promise<AckResult<Emit[K]>>((resolve, reject) => {
      const id = this.nextAckId++;
      const timer = this.timers.setTimeout(() => {
        if (!this.pending.delete(id)) return;
        this.outbox = this.outbox.filter((o) => o.id !== id);
        reject(new AckTimeoutError(event, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { event, resolve: (value) => resolve(value as AckResult<Emit[K]>), reject, timer, sent: false });
      this.enqueue({ name: event, args: [payload], id });
    });
  }

  // MARK: Connection

  private start(): void {
    this.cancelReconnect();
    this.active = true;
    this.attempt = 0;
    this.setStatus({ kind: "connecting" });
    this.open();
  }

  private open(): void {
    const WebSocketClass = this.WebSocketClass;
    if (!WebSocketClass) return this.fail("this environment has no WebSocket");
    let ws: WebSocket;
    try {
      ws = new WebSocketClass(this.url);
    } catch (error) {
      return this.fail(`cannot open ${this.url}: ${describe(error)}`);
    }
    const conn: Connection = { ws, state: "opening" };
    this.conn = conn;
    conn.connectTimer = this.timers.setTimeout(() => this.drop(conn, "connect timeout"), this.connectTimeoutMs);
    ws.onmessage = (event: MessageEvent) => {
      if (this.conn === conn) this.receive(conn, event.data);
    };
    ws.onclose = (event: CloseEvent) => {
      if (this.conn === conn) this.drop(conn, `connection closed (${event.code})`);
    };
    // A close event always follows an error event; the drop is handled there.
    ws.onerror = null;
  }

  private receive(conn: Connection, data: unknown): void {
    // Binary frames only carry Socket.IO attachments, which this client does not use.
    if (typeof data !== "string") return;
    const packet = decodeEnginePacket(data);
    switch (packet.type) {
      case "error":
        return this.drop(conn, `protocol error: ${packet.reason}`);
      case "open": {
        if (conn.state !== "opening") return;
        conn.handshake = packet.handshake;
        conn.state = "handshaken";
        this.resetHeartbeat(conn);
        const auth = this.connectAuth();
        if (auth === undefined) return;
        return this.sendSocket(conn, { type: "CONNECT", data: auth });
      }
      case "ping":
        this.resetHeartbeat(conn);
        return this.sendRaw(conn, "3" + packet.data);
      case "close":
        return this.drop(conn, "the server closed the connection");
      case "message":
        return this.receiveSocket(conn, packet.data);
      default:
        return; // pong, upgrade, noop: nothing to do over a WebSocket
    }
  }

  /** The CONNECT payload: the app's auth plus what recovery needs; undefined when auth() threw (then failed). */
  private connectAuth(): Record<string, unknown> | undefined {
    let auth: Record<string, unknown>;
    try {
      auth = this.auth();
    } catch (error) {
      this.fail(`auth() threw: ${describe(error)}`);
      return undefined;
    }
    if (this.pid === undefined) return { ...auth, recover: true };
    return this.offset === undefined ? { ...auth, pid: this.pid } : { ...auth, pid: this.pid, offset: this.offset };
  }

  private receiveSocket(conn: Connection, text: string): void {
    const packet = decodeSocketPacket(text);
    if (packet.type === "error") return this.drop(conn, `protocol error: ${packet.reason}`);
    if (packet.nsp !== "/") return;
    switch (packet.type) {
      case "CONNECT": {
        if (conn.state !== "handshaken") return;
        this.timers.clearTimeout(conn.connectTimer);
        const pid = typeof packet.data?.pid === "string" ? packet.data.pid : undefined;
        const sid = packet.data?.sid;
        // The server answers with the pid it was sent only when it restored that session.
        const recovered = pid !== undefined && pid === this.pid;
        this.pid = pid;
        if (!recovered) this.offset = undefined;
        this.sid = typeof sid === "string" ? sid : undefined;
        conn.state = "connected";
        this.attempt = 0;
        // Status first: the replayed events follow in later frames, after the app knows whether to refetch.
        this.setStatus({ kind: "connected", recovered });
        return this.flushOutbox(conn);
      }
      case "CONNECT_ERROR": {
        const info: ConnectErrorInfo = packet.data === undefined ? { message: packet.message } : { message: packet.message, data: packet.data };
        this.active = false;
        this.closeConnection(conn);
        this.rejectPending((p) => p.sent, `connection refused: ${packet.message}`);
        // Status before the listeners, so that a listener's reconnectNow() is not overwritten by "failed".
        this.setStatus({ kind: "failed", reason: packet.message });
        for (const listener of [...this.connectErrorListeners]) this.safely(() => listener(info), "connect_error");
        return;
      }
      case "DISCONNECT":
        // Sent away by the server: it keeps no session for that, and retrying at once would likely be refused too.
        this.active = false;
        this.closeConnection(conn);
        this.rejectPending((p) => p.sent, "disconnected by the server");
        this.pid = undefined;
        this.offset = undefined;
        return this.setStatus({ kind: "failed", reason: "disconnected by the server" });
      case "EVENT": {
        if (conn.state !== "connected") return;
        let args: unknown[] = packet.args;
        if (packet.id !== undefined) {
          // The server wants an answer: handlers get a callback as their last argument (answered once).
          const id = packet.id;
          let answered = false;
          const ack = (...ackArgs: unknown[]) => {
            if (answered || this.conn !== conn) return;
            answered = true;
            this.sendSocket(conn, { type: "ACK", id, args: ackArgs });
          };
          args = [...args, ack];
        } else if (this.pid !== undefined && args.length > 0 && typeof args[args.length - 1] === "string") {
          // With recovery, the server appends each recorded event's offset; events it sends without one (an
          // "error" told to this socket only) end with an object, as every Parley payload is one.
          this.offset = args[args.length - 1] as string;
          args = args.slice(0, -1);
        }
        const handlers = this.handlers.get(packet.name);
        if (!handlers) return;
        for (const handler of [...handlers]) this.safely(() => handler(...args), packet.name);
        return;
      }
      case "ACK": {
        const pending = this.pending.get(packet.id);
        if (!pending) return; // timed out already
        this.pending.delete(packet.id);
        this.timers.clearTimeout(pending.timer);
        pending.resolve(packet.args[0]);
        return;
      }
    }
  }

  private resetHeartbeat(conn: Connection): void {
    if (!conn.handshake) return;
    this.timers.clearTimeout(conn.heartbeat);
    // The server pings every pingInterval and waits pingTimeout for the pong; no ping within both means the
    // connection is dead even if the WebSocket has not noticed (a laptop waking up, a silent proxy).
    const deadline = conn.handshake.pingInterval + conn.handshake.pingTimeout;
    conn.heartbeat = this.timers.setTimeout(() => this.drop(conn, "ping timeout"), deadline);
  }

  /** An unexpected loss of the connection: reconnects unless the client was told to stop. */
  private drop(conn: Connection, reason: string): void {
    if (this.conn !== conn) return;
    this.closeConnection(conn);
    this.rejectPending((p) => p.sent, reason);
    if (!this.active) return;
    const attempt = this.attempt + 1;
    if (attempt > this.reconnectOptions.attempts) {
      this.active = false;
      return this.setStatus({ kind: "failed", reason: `${reason}; gave up after ${this.reconnectOptions.attempts} attempts` });
    }
    this.attempt = attempt;
    const delayMs = backoffDelay(attempt, this.reconnectOptions, this.random);
    this.setStatus({ kind: "reconnecting", attempt, delayMs });
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.open();
    }, delayMs);
  }

  /** Gives up without retrying. */
  private fail(reason: string): void {
    if (this.conn) this.closeConnection(this.conn);
    this.active = false;
    this.cancelReconnect();
    this.rejectPending((p) => p.sent, reason);
    this.setStatus({ kind: "failed", reason });
  }

  private closeConnection(conn: Connection): void {
    this.timers.clearTimeout(conn.heartbeat);
    this.timers.clearTimeout(conn.connectTimer);
    const ws = conn.ws;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = null;
    try {
      ws.close();
    } catch {
      // Closing a socket that never opened may throw in some implementations; it is gone either way.
    }
    if (this.conn === conn) this.conn = undefined;
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer === undefined) return;
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  // MARK: Sending

  private enqueue(out: Outgoing): void {
    const conn = this.conn;
    if (conn && conn.state === "connected") this.transmit(conn, out);
    else this.outbox.push(out);
  }

  private flushOutbox(conn: Connection): void {
    const waiting = this.outbox;
    this.outbox = [];
    for (const out of waiting) this.transmit(conn, out);
  }

  private transmit(conn: Connection, out: Outgoing): void {
    // A send that failed during a flush dropped the connection: what follows waits for the next one.
    if (this.conn !== conn) {
      this.outbox.push(out);
      return;
    }
    this.sendSocket(conn, out.id === undefined ? { type: "EVENT", name: out.name, args: out.args } : { type: "EVENT", name: out.name, args: out.args, id: out.id });
    if (out.id === undefined) return;
    const pending = this.pending.get(out.id);
    if (pending) pending.sent = true;
  }

  private sendSocket(conn: Connection, packet: OutgoingSocketPacket): void {
    this.sendRaw(conn, "4" + encodeSocketPacket(packet));
  }

  private sendRaw(conn: Connection, text: string): void {
    try {
      conn.ws.send(text);
    } catch (error) {
      // A send on a closing socket throws in some implementations; the close event reconnects.
      this.drop(conn, `send failed: ${describe(error)}`);
    }
  }

  private rejectPending(which: (pending: PendingAck) => boolean, reason: string): void {
    for (const [id, pending] of [...this.pending]) {
      if (!which(pending)) continue;
      this.pending.delete(id);
      this.timers.clearTimeout(pending.timer);
      pending.reject(new DisconnectedError(pending.event, reason));
    }
  }

  private setStatus(status: SocketStatus): void {
    this.status = status;
    for (const listener of [...this.statusListeners]) this.safely(() => listener(status), "status");
  }

  private safely(run: () => void, event: string): void {
    try {
      run();
    } catch (error) {
      this.onHandlerError(error, event);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The Socket.IO client without a server: the codec against the protocol specifications' examples, the backoff
// schedule, and the client driven through a fake WebSocket and a hand-driven clock.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Message } from "../../Generated/typescript/types";
import {
  decodeEnginePacket,
  decodeSocketPacket,
  encodeEnginePacket,
  encodeSocketPacket,
} from "../src/socket/codec";
import {
  AckTimeoutError,
  backoffDelay,
  ConnectErrorInfo,
  DisconnectedError,
  SocketClient,
  SocketClientOptions,
  socketUrl,
  SocketStatus,
  Timers,
} from "../src/socket/client";

// MARK: Codec

describe("codec: Socket.IO packets", () => {
  test("CONNECT to the main namespace, no payload: 0", () => {
    assert.deepEqual(decodeSocketPacket("0"), { type: "CONNECT", nsp: "/" });
    assert.equal(encodeSocketPacket({ type: "CONNECT" }), "0");
  });

  test('CONNECT answer in a namespace: 0/admin,{"sid":"x"}', () => {
    assert.deepEqual(decodeSocketPacket('0/admin,{"sid":"x"}'), { type: "CONNECT", nsp: "/admin", data: { sid: "x" } });
    assert.equal(encodeSocketPacket({ type: "CONNECT", nsp: "/admin", data: { sid: "x" } }), '0/admin,{"sid":"x"}');
  });

  test('EVENT: 2["hello",1]', () => {
    assert.deepEqual(decodeSocketPacket('2["hello",1]'), { type: "EVENT", nsp: "/", name: "hello", args: [1] });
    assert.equal(encodeSocketPacket({ type: "EVENT", name: "hello", args: [1] }), '2["hello",1]');
  });

  test('EVENT with an ack id in a namespace: 2/admin,456["project:delete",123]', () => {
    assert.deepEqual(decodeSocketPacket('2/admin,456["project:delete",123]'), {
      type: "EVENT",
      nsp: "/admin",
      id: 456,
      name: "project:delete",
      args: [123],
    });
    assert.equal(encodeSocketPacket({ type: "EVENT", nsp: "/admin", id: 456, name: "project:delete", args: [123] }), '2/admin,456["project:delete",123]');
  });

  test("ACK: 3/admin,456[]", () => {
    assert.deepEqual(decodeSocketPacket("3/admin,456[]"), { type: "ACK", nsp: "/admin", id: 456, args: [] });
    assert.equal(encodeSocketPacket({ type: "ACK", nsp: "/admin", id: 456, args: [] }), "3/admin,456[]");
  });

  test('CONNECT_ERROR inside an Engine.IO message: 44{"message":"Not authorized"}', () => {
    const engine = decodeEnginePacket('44{"message":"Not authorized"}');
    assert.deepEqual(engine, { type: "message", data: '4{"message":"Not authorized"}' });
    assert.equal(engine.type, "message");
    if (engine.type !== "message") return;
    assert.deepEqual(decodeSocketPacket(engine.data), { type: "CONNECT_ERROR", nsp: "/", message: "Not authorized" });
    const withData = decodeSocketPacket('4{"message":"jwt expired","data":{"code":"UNAUTHORIZED"}}');
    assert.deepEqual(withData, { type: "CONNECT_ERROR", nsp: "/", message: "jwt expired", data: { code: "UNAUTHORIZED" } });
    assert.equal(encodeSocketPacket({ type: "CONNECT_ERROR", message: "Not authorized" }), '4{"message":"Not authorized"}');
  });

  test("DISCONNECT: 1 and 1/admin,", () => {
    assert.deepEqual(decodeSocketPacket("1"), { type: "DISCONNECT", nsp: "/" });
    assert.deepEqual(decodeSocketPacket("1/admin,"), { type: "DISCONNECT", nsp: "/admin" });
    assert.deepEqual(decodeSocketPacket("1/admin"), { type: "DISCONNECT", nsp: "/admin" });
    assert.equal(encodeSocketPacket({ type: "DISCONNECT" }), "1");
    assert.equal(encodeSocketPacket({ type: "DISCONNECT", nsp: "/admin" }), "1/admin,");
  });

  test("round trip of an event with a JSON payload of every kind", () => {
    const args = [{ a: [1, "x", null, true], "b\"c": "é\n" }, 2.5, "s"];
    const text = encodeSocketPacket({ type: "EVENT", id: 7, name: "message:send", args });
    assert.deepEqual(decodeSocketPacket(text), { type: "EVENT", nsp: "/", id: 7, name: "message:send", args });
  });

  test("binary packets fail cleanly, as values", () => {
    for (const text of ['51-["hello",{"_placeholder":true,"num":0}]', '61-/admin,456[{"_placeholder":true,"num":0}]', "5", "6"]) {
      const decoded = decodeSocketPacket(text);
      assert.equal(decoded.type, "error", text);
      if (decoded.type === "error") assert.match(decoded.reason, /binary/);
    }
  });

  test("malformed input gives an error value, never an exception", () => {
    const malformed = [
      "", // empty
      "9", // unknown type
      "a", // not a digit
      "2", // EVENT without payload
      "2[", // broken JSON
      '2{"a":1}', // EVENT payload not an array
      "2[]", // EVENT without a name
      "2[1]", // EVENT name not a string
      '2["connect"]', // reserved name
      "3", // ACK without an id
      '3["x"]', // ACK without an id
      "3/admin,1{}", // ACK payload not an array
      '0["x"]', // CONNECT payload not an object
      "01{}", // CONNECT with an ack id
      "1{}", // DISCONNECT with a payload
      "4", // CONNECT_ERROR without payload
      "4[]", // CONNECT_ERROR payload of the wrong shape
      '4{"data":1}', // CONNECT_ERROR without message
      "299999999999999999999[\"x\"]", // ack id beyond safe integers
    ];
    for (const text of malformed) {
      const decoded = decodeSocketPacket(text);
      assert.equal(decoded.type, "error", `should refuse ${JSON.stringify(text)}`);
    }
  });

  test("a v4-style CONNECT_ERROR with a bare string is accepted", () => {
    assert.deepEqual(decodeSocketPacket('4"Not authorized"'), { type: "CONNECT_ERROR", nsp: "/", message: "Not authorized" });
  });
});

describe("codec: Engine.IO packets", () => {
  test("open packet with its handshake", () => {
    const decoded = decodeEnginePacket('0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
    assert.deepEqual(decoded, {
      type: "open",
      handshake: { sid: "lv_VI97HAXpY6yYWAAAC", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 },
    });
  });

  test("each packet type", () => {
    assert.deepEqual(decodeEnginePacket("1"), { type: "close" });
    assert.deepEqual(decodeEnginePacket("2"), { type: "ping", data: "" });
    assert.deepEqual(decodeEnginePacket("2probe"), { type: "ping", data: "probe" });
    assert.deepEqual(decodeEnginePacket("3"), { type: "pong", data: "" });
    assert.deepEqual(decodeEnginePacket("4hello"), { type: "message", data: "hello" });
    assert.deepEqual(decodeEnginePacket("5"), { type: "upgrade" });
    assert.deepEqual(decodeEnginePacket("6"), { type: "noop" });
    assert.equal(encodeEnginePacket({ type: "pong", data: "" }), "3");
    assert.equal(encodeEnginePacket({ type: "pong", data: "probe" }), "3probe");
    assert.equal(encodeEnginePacket({ type: "message", data: '2["a"]' }), '42["a"]');
    assert.equal(encodeEnginePacket({ type: "close" }), "1");
  });

  test("malformed Engine.IO packets", () => {
    for (const text of ["", "7", "x", "0", "0{", '0{"sid":1}', '0{"sid":"a","pingInterval":"x","pingTimeout":1}', "0[]"]) {
      assert.equal(decodeEnginePacket(text).type, "error", JSON.stringify(text));
    }
  });
});

// MARK: Backoff

describe("backoff", () => {
  const options = { initialDelayMs: 1000, maxDelayMs: 5000, attempts: 5 };
  const exact = () => 0.5;

  test("1 s, 2 s, 4 s, 5 s, 5 s without jitter", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, options, exact)), [1000, 2000, 4000, 5000, 5000, 5000]);
  });

  test("±20 % jitter around the capped delay", () => {
    assert.equal(backoffDelay(1, options, () => 0), 800);
    assert.equal(backoffDelay(1, options, () => 0.999999), 1200);
    assert.equal(backoffDelay(5, options, () => 0), 4000);
    assert.equal(backoffDelay(5, options, () => 0.999999), 6000);
    assert.equal(backoffDelay(2, { ...options, jitter: 0 }, () => 0), 2000);
  });
});

// MARK: Client with a fake WebSocket

/** A WebSocket with the server's side in the test's hands. Like a browser's, close() fires no event here. */
class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onopen: ((event: unknown) => void) | null = null;
  readonly sent: string[] = [];
  closed = false;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.closed) throw new Error("send on a closed socket");
    this.sent.push(data);
  }

  close(): void {
    this.closed = true;
  }

  /** The server sends a frame. */
  receive(text: string): void {
    this.onmessage?.({ data: text });
  }

  /** The connection is lost. */
  drop(code = 1006): void {
    this.closed = true;
    this.onclose?.({ code, reason: "" });
  }

  /** Engine.IO open packet. */
  open(pingInterval = 25000, pingTimeout = 20000): void {
    this.receive("0" + JSON.stringify({ sid: "engine-sid", upgrades: [], pingInterval, pingTimeout, maxPayload: 1000000 }));
  }

  /** Socket.IO CONNECT answer; a null pid is a server without recovery. */
  accept(pid: string | null = "pid-1", sid = "sock-1"): void {
    this.receive("40" + JSON.stringify(pid === null ? { sid } : { sid, pid }));
  }

  /** The CONNECT payload the client sent. */
  connectPayload(): Record<string, unknown> {
    const connect = this.sent.find((s) => s.startsWith("40"));
    assert.ok(connect, "no CONNECT sent");
    return JSON.parse(connect.slice(2)) as Record<string, unknown>;
  }
}

/** setTimeout by hand: advance() runs what falls due, in order. */
class FakeClock implements Timers {
  now = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === "number") this.timers.delete(handle);
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}

function message(overrides: Partial<Message> = {}): Message {
  return {
    _id: "65f000000000000000000001",
    chatId: "65f0000000000000000000c1",
    senderId: "65f0000000000000000000a1",
    body: "hi",
    reactions: [],
    status: "sent",
    createdAt: "2026-01-01T10:00:00.000Z",
    ...overrides,
  };
}

function setup(options: Partial<SocketClientOptions> = {}) {
  FakeWebSocket.instances = [];
  const clock = new FakeClock();
  let token = "t1";
  const statuses: SocketStatus[] = [];
  const handlerErrors: unknown[] = [];
  const client = new SocketClient("http://localhost:3000", {
    auth: () => ({ token }),
    WebSocket: FakeWebSocket as unknown as typeof WebSocket,
    timers: clock,
    random: () => 0.5,
    onHandlerError: (error) => handlerErrors.push(error),
    ...options,
  });
  client.onStatus((s) => statuses.push(s));
  const sockets = FakeWebSocket.instances;
  return {
    client,
    clock,
    statuses,
    handlerErrors,
    sockets,
    setToken: (t: string) => (token = t),
    last: () => sockets[sockets.length - 1],
    /** connect(), open and accept: a connected client. */
    connected(pid: string | null = "pid-1") {
      client.connect();
      const ws = sockets[sockets.length - 1];
      ws.open();
      ws.accept(pid);
      return ws;
    },
  };
}

describe("SocketClient", () => {
  test("socketUrl derives ws/wss and the Engine.IO query", () => {
    assert.equal(socketUrl("http://localhost:3000"), "ws://localhost:3000/socket.io/?EIO=4&transport=websocket");
    assert.equal(socketUrl("https://chat.example/app/"), "wss://chat.example/socket.io/?EIO=4&transport=websocket");
    assert.equal(socketUrl("https://chat.example", "/rt/"), "wss://chat.example/rt/?EIO=4&transport=websocket");
    assert.throws(() => socketUrl("ftp://x"), TypeError);
  });

  test("handshake: open packet, then CONNECT with auth and recover: true, then connected", () => {
    const { client, sockets, statuses } = setup();
    client.connect();
    assert.equal(sockets.length, 1);
    assert.equal(sockets[0].url, "ws://localhost:3000/socket.io/?EIO=4&transport=websocket");
    assert.deepEqual(statuses, [{ kind: "connecting" }]);
    assert.deepEqual(sockets[0].sent, [], "nothing is sent before the Engine.IO open packet");
    sockets[0].open();
    assert.deepEqual(sockets[0].sent, ['40{"token":"t1","recover":true}']);
    assert.equal(client.getStatus().kind, "connecting");
    sockets[0].accept("pid-1", "sock-1");
    assert.deepEqual(statuses, [{ kind: "connecting" }, { kind: "connected", recovered: false }]);
    assert.equal(client.id, "sock-1");
    client.connect(); // already connected: nothing
    assert.equal(sockets.length, 1);
  });

  test("getStatus and onStatus work unbound (as useSyncExternalStore calls them)", () => {
    const { client, sockets } = setup();
    const { getStatus, onStatus } = client;
    let changes = 0;
    const off = onStatus(() => changes++);
    client.connect();
    assert.deepEqual(getStatus(), { kind: "connecting" });
    assert.equal(getStatus(), getStatus(), "a stable snapshot");
    off();
    sockets[0].open();
    sockets[0].accept();
    assert.equal(changes, 1);
  });

  test("events reach handlers without the recovery offset; on() unsubscribes", () => {
    const h = setup();
    const ws = h.connected();
    const received: unknown[][] = [];
    const off = h.client.on("message:new", (...args: unknown[]) => received.push(args));
    const m = message();
    ws.receive("42" + JSON.stringify(["message:new", m, "1-0"]));
    assert.deepEqual(received, [[m]]);
    // An event the server sends without an offset (its "error" to this socket alone) is passed as it is.
    const errors: unknown[] = [];
    h.client.on("error", (e) => errors.push(e));
    ws.receive('42["error",{"code":"RATE_LIMITED","message":"slow down"}]');
    assert.deepEqual(errors, [{ code: "RATE_LIMITED", message: "slow down" }]);
    off();
    ws.receive("42" + JSON.stringify(["message:new", m, "2-0"]));
    assert.equal(received.length, 1);
  });

  test("without recovery (no pid from the server) a trailing string is not taken for an offset", () => {
    interface Listen {
      note: (text: string) => void;
    }
    FakeWebSocket.instances = [];
    const clock = new FakeClock();
    const client = new SocketClient<Listen, Record<string, never>>("http://h", {
      auth: () => ({}),
      WebSocket: FakeWebSocket as unknown as typeof WebSocket,
      timers: clock,
    });
    const notes: string[] = [];
    client.on("note", (t) => notes.push(t));
    client.connect();
    const ws = FakeWebSocket.instances[0];
    ws.open();
    ws.accept(null);
    ws.receive('42["note","hello"]');
    assert.deepEqual(notes, ["hello"]);
  });

  test("reconnect sends pid and the last offset; the server's same pid means recovered", () => {
    const h = setup();
    const ws = h.connected("pid-1");
    ws.receive("42" + JSON.stringify(["message:new", message(), "5-1"]));
    ws.receive("42" + JSON.stringify(["receipt:read", { chatId: "c", messageIds: ["m"], userId: "u" }, "5-2"]));
    h.setToken("t2");
    ws.drop();
    assert.deepEqual(h.client.getStatus(), { kind: "reconnecting", attempt: 1, delayMs: 1000 });
    h.clock.advance(999);
    assert.equal(h.sockets.length, 1);
    h.clock.advance(1);
    assert.equal(h.sockets.length, 2);
    const ws2 = h.last();
    ws2.open();
    assert.deepEqual(ws2.connectPayload(), { token: "t2", pid: "pid-1", offset: "5-2" });
    ws2.accept("pid-1");
    assert.deepEqual(h.client.getStatus(), { kind: "connected", recovered: true });

    // This time the server could not recover: a new pid, a new session, and no offset carried over.
    ws2.drop();
    h.clock.advance(1000);
    const ws3 = h.last();
    ws3.open();
    assert.deepEqual(ws3.connectPayload(), { token: "t2", pid: "pid-1", offset: "5-2" });
    ws3.accept("pid-2");
    assert.deepEqual(h.client.getStatus(), { kind: "connected", recovered: false });
    ws3.drop();
    h.clock.advance(1000);
    const ws4 = h.last();
    ws4.open();
    assert.deepEqual(ws4.connectPayload(), { token: "t2", pid: "pid-2" });
  });

  test("ping is answered with pong", () => {
    const h = setup();
    const ws = h.connected();
    ws.receive("2");
    assert.equal(ws.sent[ws.sent.length - 1], "3");
    ws.receive("2probe");
    assert.equal(ws.sent[ws.sent.length - 1], "3probe");
  });

  test("no ping within pingInterval + pingTimeout: the connection is dropped and retried", () => {
    const h = setup();
    h.client.connect();
    const ws = h.last();
    ws.open(300, 200);
    ws.accept();
    h.clock.advance(400);
    ws.receive("2"); // resets the deadline
    h.clock.advance(499);
    assert.equal(h.client.getStatus().kind, "connected");
    h.clock.advance(1);
    assert.equal(ws.closed, true);
    assert.deepEqual(h.client.getStatus(), { kind: "reconnecting", attempt: 1, delayMs: 1000 });
    h.clock.advance(1000);
    assert.equal(h.sockets.length, 2);
  });

  test("acks: increasing ids, answers resolve, timeouts reject, late answers are ignored", async () => {
    const h = setup({ ackTimeoutMs: 3000 });
    const ws = h.connected();
    const first = h.client.emitWithAck("message:send", { chatId: "c1", tempId: "a", body: "one" });
    const second = h.client.emitWithAck("chat:join", { chatId: "c1" }, 500);
    assert.deepEqual(ws.sent.slice(-2), ['420["message:send",{"chatId":"c1","tempId":"a","body":"one"}]', '421["chat:join",{"chatId":"c1"}]']);
    const ack = { ok: true, tempId: "a", message: message({ tempId: "a" }) };
    ws.receive("430" + JSON.stringify([ack]));
    assert.deepEqual(await first, ack);
    h.clock.advance(500);
    await assert.rejects(second, (e: unknown) => e instanceof AckTimeoutError && e.event === "chat:join" && e.timeoutMs === 500);
    ws.receive('431[{"ok":true}]'); // too late: nothing happens
    const third = h.client.emitWithAck("chat:leave", { chatId: "c1" });
    assert.equal(ws.sent[ws.sent.length - 1], '422["chat:leave",{"chatId":"c1"}]');
    h.clock.advance(3000);
    await assert.rejects(third, AckTimeoutError);
    h.client.emit("typing:start", { chatId: "c1" });
    assert.equal(ws.sent[ws.sent.length - 1], '42["typing:start",{"chatId":"c1"}]');
  });

  test("emits wait in the outbox while disconnected and go out after CONNECT, in order", async () => {
    const h = setup();
    h.client.emit("typing:start", { chatId: "c1" });
    const acked = h.client.emitWithAck("message:read", { chatId: "c1", messageIds: ["m1"] });
    h.client.connect();
    const ws = h.last();
    ws.open();
    assert.deepEqual(ws.sent, ['40{"token":"t1","recover":true}'], "nothing before the CONNECT answer");
    ws.accept();
    assert.deepEqual(ws.sent.slice(1), ['42["typing:start",{"chatId":"c1"}]', '420["message:read",{"chatId":"c1","messageIds":["m1"]}]']);
    ws.receive('430[{"ok":true}]');
    assert.deepEqual(await acked, { ok: true });
  });

  test("a drop rejects the acks sent on that connection; the outbox is flushed after the reconnection", async () => {
    const h = setup();
    const ws = h.connected();
    const inFlight = h.client.emitWithAck("message:send", { chatId: "c1", tempId: "t-1", body: "x" });
    ws.drop();
    await assert.rejects(inFlight, (e: unknown) => e instanceof DisconnectedError && e.event === "message:send");
    // The app retries with the same tempId while reconnecting; it waits in the outbox.
    const retry = h.client.emitWithAck("message:send", { chatId: "c1", tempId: "t-1", body: "x" });
    h.client.emit("typing:stop", { chatId: "c1" });
    h.clock.advance(1000);
    const ws2 = h.last();
    assert.notEqual(ws2, ws);
    ws2.open();
    ws2.accept("pid-1");
    assert.deepEqual(ws2.sent.slice(1), ['421["message:send",{"chatId":"c1","tempId":"t-1","body":"x"}]', '42["typing:stop",{"chatId":"c1"}]']);
    ws2.receive('431[{"ok":true,"tempId":"t-1"}]');
    assert.deepEqual(await retry, { ok: true, tempId: "t-1" });
  });

  test("an acked emit waiting in the outbox still times out, and is then not sent", async () => {
    const h = setup();
    const waiting = h.client.emitWithAck("chat:join", { chatId: "c1" }, 2000);
    h.clock.advance(2000);
    await assert.rejects(waiting, AckTimeoutError);
    const ws = h.connected();
    assert.deepEqual(ws.sent, ['40{"token":"t1","recover":true}']);
  });

  test("five failed attempts (1, 2, 4, 5, 5 s apart) end in failed; reconnectNow starts over", () => {
    const h = setup();
    const ws = h.connected();
    ws.drop();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const status = h.client.getStatus();
      assert.equal(status.kind, "reconnecting");
      if (status.kind !== "reconnecting") return;
      assert.equal(status.attempt, attempt);
      delays.push(status.delayMs);
      h.clock.advance(status.delayMs);
      assert.equal(h.sockets.length, 1 + attempt);
      h.last().drop(); // refused before the open packet
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 5000, 5000]);
    const failed = h.client.getStatus();
    assert.equal(failed.kind, "failed");
    if (failed.kind === "failed") assert.match(failed.reason, /gave up after 5 attempts/);
    h.clock.advance(60_000);
    assert.equal(h.sockets.length, 6, "no more attempts");
    assert.equal(h.clock.pending, 0);

    h.client.reconnectNow();
    assert.deepEqual(h.client.getStatus(), { kind: "connecting" });
    assert.equal(h.sockets.length, 7, "opens at once");
    h.last().drop();
    assert.deepEqual(h.client.getStatus(), { kind: "reconnecting", attempt: 1, delayMs: 1000 }, "a fresh set of attempts");
  });

  test("reconnectNow while waiting for a retry opens at once and cancels the timer", () => {
    const h = setup();
    h.connected().drop();
    h.clock.advance(1000);
    h.last().drop();
    assert.deepEqual(h.client.getStatus(), { kind: "reconnecting", attempt: 2, delayMs: 2000 });
    h.client.reconnectNow();
    assert.equal(h.sockets.length, 3);
    const ws = h.last();
    ws.open();
    ws.accept("pid-1");
    assert.deepEqual(h.client.getStatus(), { kind: "connected", recovered: true });
    h.clock.advance(10_000);
    assert.equal(h.sockets.length, 3, "the old retry timer did not fire");
  });

  test("the first connection failing is retried the same way", () => {
    const h = setup();
    h.client.connect();
    h.last().drop();
    assert.deepEqual(h.client.getStatus(), { kind: "reconnecting", attempt: 1, delayMs: 1000 });
  });

  test("disconnect() is deliberate: DISCONNECT is sent, nothing reconnects, pending acks reject", async () => {
    const h = setup();
    const ws = h.connected();
    const pending = h.client.emitWithAck("chat:join", { chatId: "c1" });
    h.client.disconnect();
    assert.equal(ws.sent[ws.sent.length - 1], "41");
    assert.equal(ws.closed, true);
    assert.deepEqual(h.client.getStatus(), { kind: "disconnected" });
    await assert.rejects(pending, DisconnectedError);
    ws.drop(); // a close event arriving after all changes nothing
    h.clock.advance(60_000);
    assert.equal(h.sockets.length, 1);
    assert.equal(h.clock.pending, 0, "no timers left behind");
    // Connecting again starts a new session.
    h.client.connect();
    h.last().open();
    assert.deepEqual(h.last().connectPayload(), { token: "t1", recover: true });
  });

  test("disconnect() while waiting to reconnect cancels the retry", () => {
    const h = setup();
    h.connected().drop();
    h.client.disconnect();
    h.clock.advance(10_000);
    assert.equal(h.sockets.length, 1);
    assert.deepEqual(h.client.getStatus(), { kind: "disconnected" });
  });

  test("CONNECT_ERROR: status failed with the reason, onConnectError told, no retry until reconnectNow", () => {
    const h = setup();
    const errors: ConnectErrorInfo[] = [];
    h.client.onConnectError((e) => errors.push(e));
    h.client.connect();
    const ws = h.last();
    ws.open();
    ws.receive('44{"message":"jwt expired","data":{"code":"UNAUTHORIZED"}}');
    assert.deepEqual(h.client.getStatus(), { kind: "failed", reason: "jwt expired" });
    assert.deepEqual(errors, [{ message: "jwt expired", data: { code: "UNAUTHORIZED" } }]);
    assert.equal(ws.closed, true);
    h.clock.advance(60_000);
    assert.equal(h.sockets.length, 1);
    // The app refreshes the token and tries again.
    h.setToken("fresh");
    h.client.reconnectNow();
    const ws2 = h.last();
    ws2.open();
    assert.equal(ws2.connectPayload().token, "fresh");
    ws2.accept();
    assert.equal(h.client.getStatus().kind, "connected");
  });

  test("a connect-error listener may call reconnectNow itself", () => {
    const h = setup();
    h.client.onConnectError(() => {
      h.setToken("refreshed");
      h.client.reconnectNow();
    });
    h.client.connect();
    h.last().open();
    h.last().receive('44{"message":"expired"}');
    assert.equal(h.sockets.length, 2);
    assert.deepEqual(h.client.getStatus(), { kind: "connecting" });
  });

  test("the server's DISCONNECT ends the session without retrying", () => {
    const h = setup();
    const ws = h.connected();
    ws.receive("41");
    assert.deepEqual(h.client.getStatus(), { kind: "failed", reason: "disconnected by the server" });
    h.clock.advance(60_000);
    assert.equal(h.sockets.length, 1);
  });

  test("an Engine.IO close, a malformed packet or a missing CONNECT answer is a drop", () => {
    const closeCase = setup();
    closeCase.connected().receive("1");
    assert.equal(closeCase.client.getStatus().kind, "reconnecting");

    const garbage = setup();
    garbage.connected().receive("4{oops");
    assert.equal(garbage.client.getStatus().kind, "reconnecting");

    const silent = setup({ connectTimeoutMs: 5000 });
    silent.client.connect();
    silent.last().open();
    silent.clock.advance(4999);
    assert.equal(silent.client.getStatus().kind, "connecting");
    silent.clock.advance(1);
    assert.equal(silent.client.getStatus().kind, "reconnecting");
  });

  test("binary frames and unknown namespaces are ignored", () => {
    const h = setup();
    const ws = h.connected();
    const seen: unknown[] = [];
    h.client.on("message:new", (m) => seen.push(m));
    ws.onmessage?.({ data: new Uint8Array([1, 2]) });
    ws.receive('42/other,["message:new",{}]');
    ws.receive("6");
    assert.deepEqual(seen, []);
    assert.equal(h.client.getStatus().kind, "connected");
  });

  test("a throwing handler is reported and the other handlers still run", () => {
    const h = setup();
    const ws = h.connected();
    const seen: string[] = [];
    h.client.on("message:new", () => {
      throw new Error("boom");
    });
    h.client.on("message:new", (m) => seen.push(m._id));
    ws.receive("42" + JSON.stringify(["message:new", message(), "1"]));
    assert.deepEqual(seen, [message()._id]);
    assert.equal(h.handlerErrors.length, 1);
  });

  test("an event the server wants acknowledged gets a callback that answers once", () => {
    interface Listen {
      callback: (payload: { n: number }, ack: (answer: string) => void) => void;
    }
    FakeWebSocket.instances = [];
    const client = new SocketClient<Listen, Record<string, never>>("http://h", {
      auth: () => ({}),
      WebSocket: FakeWebSocket as unknown as typeof WebSocket,
      timers: new FakeClock(),
    });
    client.on("callback", (payload, ack) => {
      ack(`got ${payload.n}`);
      ack("twice");
    });
    client.connect();
    const ws = FakeWebSocket.instances[0];
    ws.open();
    ws.accept("pid-1");
    ws.receive('427["callback",{"n":3}]');
    assert.deepEqual(ws.sent.slice(1), ['437["got 3"]']);
  });

  test("auth() throwing fails the connection instead of escaping", () => {
    const h = setup({
      auth: () => {
        throw new Error("no token");
      },
    });
    h.client.connect();
    h.last().open();
    assert.deepEqual(h.client.getStatus(), { kind: "failed", reason: "auth() threw: no token" });
  });

  test("no WebSocket implementation: failed, not an exception", () => {
    const h = setup({
      WebSocket: class {
        constructor() {
          throw new Error("blocked");
        }
      } as unknown as typeof WebSocket,
    });
    h.client.connect();
    const status = h.client.getStatus();
    assert.equal(status.kind, "failed");
  });
});

// The Socket.IO client against a real server: the Swift reference test server (`swift run socketio-test-server`,
// port 3000, Socket.IO at /socket.io/, pingInterval 300 ms, pingTimeout 200 ms, connection state recovery in
// memory). Runs only when SOCKETIO_URL is set, e.g. SOCKETIO_URL=http://127.0.0.1:3000, and needs Node's
// WebSocket (`node --experimental-websocket` on Node 20; run-unit.sh passes it).
//
// What the server does (Sources/socketio-test-server/TestServer.swift): emits `auth` with the CONNECT auth payload
// on connection, echoes `message` as `message-back` with the same arguments, acknowledges `message-with-ack` with
// its arguments, `join` puts the socket in the rooms named, and `to-room` emits `room-message` with the other
// arguments to the room named first.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SocketClient, SocketStatus } from "../src/socket/client";

const url = process.env.SOCKETIO_URL;
const skip = url ? false : "set SOCKETIO_URL (e.g. http://127.0.0.1:3000) with the socketio-test-server running";

interface Listen {
  auth: (payload: Record<string, unknown>) => void;
  "message-back": (...args: unknown[]) => void;
  "room-message": (...args: unknown[]) => void;
}

interface Emit {
  message: (payload: unknown) => void;
  "message-with-ack": (payload: unknown, ack: (answer: unknown) => void) => void;
  join: (room: string, ack: (answer: undefined) => void) => void;
  "to-room": (room: string) => void;
}

function newClient(auth: Record<string, unknown>, WebSocketClass?: typeof WebSocket): SocketClient<Listen, Emit> {
  return new SocketClient<Listen, Emit>(url ?? "http://127.0.0.1:3000", {
    auth: () => auth,
    ackTimeoutMs: 2000,
    connectTimeoutMs: 3000,
    reconnect: { initialDelayMs: 100, maxDelayMs: 500, attempts: 5 },
    WebSocket: WebSocketClass,
  });
}

function waitFor<T>(check: () => T | undefined, what: string, timeoutMs = 3000): Promise<T> {
  const started = Date.now();
  return new Promise<T>((resolve, reject) => {
    const poll = () => {
      const value = check();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 10);
    };
    poll();
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("SocketClient against the reference test server", () => {
  test("connects, receives auth, round-trips an event and an ack, and heartbeats keep it up for 2 s", { skip }, async () => {
    const client = newClient({ token: "live-token" });
    const statuses: SocketStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    const authArgs: unknown[][] = [];
    client.on("auth", (...args: unknown[]) => authArgs.push(args));
    const echoes: unknown[][] = [];
    client.on("message-back", (...args: unknown[]) => echoes.push(args));
    try {
      client.connect();
      await waitFor(() => (client.getStatus().kind === "connected" ? true : undefined), "connected");
      assert.deepEqual(client.getStatus(), { kind: "connected", recovered: false });
      assert.ok(client.id, "the server's socket id");

      // The server echoes the CONNECT auth; the recovery offset it appends is not passed to the handler.
      await waitFor(() => (authArgs.length > 0 ? true : undefined), "auth event");
      assert.deepEqual(authArgs[0], [{ token: "live-token", recover: true }]);

      client.emit("message", { text: "héllo", n: [1, 2, 3] });
      await waitFor(() => (echoes.length > 0 ? true : undefined), "message-back");
      assert.deepEqual(echoes[0], [{ text: "héllo", n: [1, 2, 3] }]);

      assert.deepEqual(await client.emitWithAck("message-with-ack", { ok: true, list: ["a"] }), { ok: true, list: ["a"] });

      // Without pongs the server would close after 500 ms; with them the connection lives on.
      await sleep(2000);
      assert.deepEqual(
        statuses.map((s) => s.kind),
        ["connecting", "connected"],
      );
      assert.deepEqual(await client.emitWithAck("message-with-ack", "still here"), "still here");
    } finally {
      client.disconnect();
    }
  });

  test("after a dropped connection, recovery restores the session and replays what was missed", { skip }, async () => {
    const transports: WebSocket[] = [];
    // The WebSocket class is injected so that the test can cut the transport as a network failure would.
    class TrackedWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols);
        transports.push(this);
      }
    }
    const listener = newClient({ name: "listener" }, TrackedWebSocket);
    const speaker = newClient({ name: "speaker" });
    const statuses: SocketStatus[] = [];
    listener.onStatus((s) => statuses.push(s));
    const received: unknown[][] = [];
    listener.on("room-message", (...args: unknown[]) => received.push(args));
    try {
      listener.connect();
      speaker.connect();
      await waitFor(() => (listener.getStatus().kind === "connected" && speaker.getStatus().kind === "connected" ? true : undefined), "both connected");
      const sid = listener.id;
      await listener.emitWithAck("join", "live-room");

      transports[0].close();
      await waitFor(() => (listener.getStatus().kind === "reconnecting" ? true : undefined), "the drop noticed");
      // Emitted while the listener is away: the server records it and replays it on recovery.
      speaker.emit("to-room", "live-room");

      await waitFor(() => (statuses.filter((s) => s.kind === "connected").length === 2 ? true : undefined), "reconnected");
      assert.deepEqual(listener.getStatus(), { kind: "connected", recovered: true });
      assert.equal(listener.id, sid, "the same socket id after recovery");
      await waitFor(() => (received.length > 0 ? true : undefined), "the missed room-message");
      await sleep(200);
      assert.deepEqual(received, [[]], "replayed once, without the offset");
    } finally {
      listener.disconnect();
      speaker.disconnect();
    }
  });
});

// Engine.IO v4 and Socket.IO v5 packets, text only.
//
// Over a WebSocket each frame is one Engine.IO packet (no record separators: those are for HTTP long-polling), and a
// Socket.IO packet travels as the data of an Engine.IO "message" packet, so `42["hello"]` is an Engine.IO message
// (4) holding a Socket.IO EVENT (2). Decoders never throw: what the server sends is input, and a bad frame must not
// take the client down with an uncaught exception.

/** Engine.IO v4 packet types, as the digit that starts each packet. */
export const EnginePacketType = {
  open: 0,
  close: 1,
  ping: 2,
  pong: 3,
  message: 4,
  upgrade: 5,
  noop: 6,
} as const;
export type EnginePacketTypeName = keyof typeof EnginePacketType;

/** The handshake the server sends in the open packet. */
export interface EngineHandshake {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

export type EnginePacket =
  | { type: "open"; handshake: EngineHandshake }
  | { type: "close" }
  | { type: "ping"; data: string }
  | { type: "pong"; data: string }
  | { type: "message"; data: string }
  | { type: "upgrade" }
  | { type: "noop" };

/** What a decoder returns for input it cannot use; a value rather than an exception. */
export interface DecodeError {
  type: "error";
  reason: string;
}

const engineTypeNames: readonly EnginePacketTypeName[] = ["open", "close", "ping", "pong", "message", "upgrade", "noop"];

export function encodeEnginePacket(packet: EnginePacket): string {
  const digit = String(EnginePacketType[packet.type]);
  switch (packet.type) {
    case "open":
      return digit + JSON.stringify(packet.handshake);
    case "ping":
    case "pong":
    case "message":
      return digit + packet.data;
    default:
      return digit;
  }
}

export function decodeEnginePacket(text: string): EnginePacket | DecodeError {
  if (text.length === 0) return { type: "error", reason: "empty Engine.IO packet" };
  const code = text.charCodeAt(0) - 48;
  const name = engineTypeNames[code];
  if (name === undefined) return { type: "error", reason: `unknown Engine.IO packet type ${JSON.stringify(text[0])}` };
  const data = text.slice(1);
  switch (name) {
    case "open": {
      const handshake = parseHandshake(data);
      return handshake ?? { type: "error", reason: "invalid Engine.IO handshake" };
    }
    case "ping":
    case "pong":
    case "message":
      return { type: name, data };
    default:
      return { type: name };
  }
}

function parseHandshake(data: string): { type: "open"; handshake: EngineHandshake } | undefined {
  const value = parseJSON(data);
  if (!isRecord(value.value)) return undefined;
  const o = value.value;
  if (typeof o.sid !== "string" || !isNonNegativeNumber(o.pingInterval) || !isNonNegativeNumber(o.pingTimeout)) return undefined;
  return {
    type: "open",
    handshake: {
      sid: o.sid,
      upgrades: Array.isArray(o.upgrades) ? o.upgrades.filter((u): u is string => typeof u === "string") : [],
      pingInterval: o.pingInterval,
      pingTimeout: o.pingTimeout,
      // Absent in old servers; 1 MB is the Engine.IO default.
      maxPayload: isNonNegativeNumber(o.maxPayload) ? o.maxPayload : 1_000_000,
    },
  };
}

/** Socket.IO v5 packet types. */
export const SocketPacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;

/** JSON as it comes out of JSON.parse. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/**
 * A decoded Socket.IO packet. `nsp` is always set ("/" for the main namespace); `id` is the ack id when present.
 * CONNECT carries the client's auth (client to server) or `{sid, pid?}` (server to client).
 */
export type SocketPacket =
  | { type: "CONNECT"; nsp: string; data?: Record<string, JSONValue> }
  | { type: "DISCONNECT"; nsp: string }
  | { type: "EVENT"; nsp: string; id?: number; name: string; args: JSONValue[] }
  | { type: "ACK"; nsp: string; id: number; args: JSONValue[] }
  | { type: "CONNECT_ERROR"; nsp: string; message: string; data?: JSONValue };

/** What encodeSocketPacket takes: like SocketPacket, but payloads may be any JSON-serialisable value. */
export type OutgoingSocketPacket =
  | { type: "CONNECT"; nsp?: string; data?: Record<string, unknown> }
  | { type: "DISCONNECT"; nsp?: string }
  | { type: "EVENT"; nsp?: string; id?: number; name: string; args: readonly unknown[] }
  | { type: "ACK"; nsp?: string; id: number; args: readonly unknown[] }
  | { type: "CONNECT_ERROR"; nsp?: string; message: string; data?: unknown };

/** Event names socket.io refuses on the wire: they are the socket's own lifecycle events. */
const reservedEvents = new Set(["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]);

/** The Socket.IO packet's text, to send as the data of an Engine.IO message packet. */
export function encodeSocketPacket(packet: OutgoingSocketPacket): string {
  let text = String(SocketPacketType[packet.type]);
  const nsp = packet.nsp ?? "/";
  // The main namespace is implicit; others are followed by a comma, even with nothing after them.
  if (nsp !== "/") text += nsp + ",";
  switch (packet.type) {
    case "CONNECT":
      return packet.data === undefined ? text : text + JSON.stringify(packet.data);
    case "DISCONNECT":
      return text;
    case "EVENT":
      return text + (packet.id === undefined ? "" : String(packet.id)) + JSON.stringify([packet.name, ...packet.args]);
    case "ACK":
      return text + String(packet.id) + JSON.stringify(packet.args);
    case "CONNECT_ERROR":
      return text + JSON.stringify(packet.data === undefined ? { message: packet.message } : { message: packet.message, data: packet.data });
  }
}

/** Decodes the data of an Engine.IO message packet. Binary packets (5, 6) are refused: this client is text only. */
export function decodeSocketPacket(text: string): SocketPacket | DecodeError {
  const fail = (reason: string): DecodeError => ({ type: "error", reason });
  if (text.length === 0) return fail("empty Socket.IO packet");
  const code = text.charCodeAt(0) - 48;
  if (code === SocketPacketType.BINARY_EVENT || code === SocketPacketType.BINARY_ACK) {
    return fail("binary Socket.IO packets are not supported");
  }
  if (code < 0 || code > 4 || !Number.isInteger(code)) return fail(`unknown Socket.IO packet type ${JSON.stringify(text[0])}`);
  let i = 1;

  let nsp = "/";
  if (text[i] === "/") {
    const comma = text.indexOf(",", i);
    // A namespace runs to the comma, or to the end of a packet that has nothing else (e.g. `1/admin`).
    const end = comma === -1 ? text.length : comma;
    nsp = text.slice(i, end);
    i = comma === -1 ? text.length : comma + 1;
  }

  let id: number | undefined;
  const digits = /^\d+/.exec(text.slice(i));
  if (digits) {
    id = Number(digits[0]);
    if (!Number.isSafeInteger(id)) return fail("ack id out of range");
    i += digits[0].length;
  }

  const rest = text.slice(i);
  let payload: JSONValue | undefined;
  if (rest.length > 0) {
    const parsed = parseJSON(rest);
    if (!parsed.ok) return fail("invalid JSON payload");
    payload = parsed.value;
  }

  switch (code) {
    case SocketPacketType.CONNECT:
      if (id !== undefined) return fail("CONNECT takes no ack id");
      if (payload === undefined) return { type: "CONNECT", nsp };
      if (!isRecord(payload)) return fail("CONNECT payload must be an object");
      return { type: "CONNECT", nsp, data: payload };
    case SocketPacketType.DISCONNECT:
      if (id !== undefined || payload !== undefined) return fail("DISCONNECT takes no payload");
      return { type: "DISCONNECT", nsp };
    case SocketPacketType.EVENT: {
      if (!Array.isArray(payload) || payload.length === 0) return fail("EVENT payload must be a non-empty array");
      const [name, ...args] = payload;
      if (typeof name !== "string") return fail("EVENT name must be a string");
      if (reservedEvents.has(name)) return fail(`reserved event name ${JSON.stringify(name)}`);
      return id === undefined ? { type: "EVENT", nsp, name, args } : { type: "EVENT", nsp, id, name, args };
    }
    case SocketPacketType.ACK:
      if (id === undefined) return fail("ACK needs an ack id");
      if (!Array.isArray(payload)) return fail("ACK payload must be an array");
      return { type: "ACK", nsp, id, args: payload };
    default: {
      // CONNECT_ERROR: v5 sends {message, data?}; v4 servers sent a bare string.
      if (id !== undefined) return fail("CONNECT_ERROR takes no ack id");
      if (typeof payload === "string") return { type: "CONNECT_ERROR", nsp, message: payload };
      if (!isRecord(payload) || typeof payload.message !== "string") return fail("CONNECT_ERROR payload must be {message, data?}");
      return payload.data === undefined
        ? { type: "CONNECT_ERROR", nsp, message: payload.message }
        : { type: "CONNECT_ERROR", nsp, message: payload.message, data: payload.data };
    }
  }
}

function parseJSON(text: string): { ok: true; value: JSONValue } | { ok: false; value?: undefined } {
  try {
    return { ok: true, value: JSON.parse(text) as JSONValue };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: JSONValue | undefined): value is { [key: string]: JSONValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonNegativeNumber(value: JSONValue | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

"""Property-based tests of the chat's socket layer (hypothesis, fixed seed): whatever a client sends, the server
answers or closes that one connection, and never crashes. Generated at the frame level over raw WebSockets and
polling requests, against `parley serve` embedded, scaled and split:

- any payload, of any shape, for any event with an acknowledgement id gets exactly that acknowledgement, a success or
  a refusal with a contract error code (never `INTERNAL`), and the socket stays open;
- any text or binary frame, or polling body, well-formed or not, leaves the server up and a fresh client served.
"""

from __future__ import annotations

import base64
import json

import pytest
import requests
import websocket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ERROR_CODES, REPO_ROOT, create_chat, register, send

WAIT = 5.0
# Each socket stays under the 100 events per 10 s a socket may send.
EVENTS_PER_SOCKET = 60
FUZZ = settings(max_examples=1000, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


class RawClient:
    """An authenticated Socket.IO connection at the frame level (pings answered, unrelated events skipped)."""

    def __init__(self, url: str, token: str):
        self.ws = websocket.create_connection(url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                              timeout=WAIT)
        assert self.ws.recv().startswith("0{")
        self.ws.send("40" + json.dumps({"token": token}))
        assert self.packet().startswith("40{")
        self.sent = 0

    def packet(self) -> str | bytes:
        while True:
            opcode, data = self.ws.recv_data()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise ConnectionError("closed by the server")
            if opcode == websocket.ABNF.OPCODE_TEXT and data == b"2":
                self.ws.send("3")
                continue
            return data.decode() if opcode == websocket.ABNF.OPCODE_TEXT else data

    def call(self, name: str, *arguments) -> list:
        """Sends `name` with an acknowledgement id; the acknowledgement's arguments."""
        self.sent += 1
        prefix = f"43{self.sent}["
        self.ws.send(f"42{self.sent}" + json.dumps([name, *arguments]))
        while True:
            packet = self.packet()
            if isinstance(packet, str) and packet.startswith(prefix):
                return json.loads(packet[len(prefix) - 1:])

    def close(self) -> None:
        self.ws.close()


class Fuzzing:
    """A user in a direct chat with one message (the ids payloads draw from) and its current socket."""

    def __init__(self, server):
        self.server = server
        _, self.token, me = register(server, "fuzzer")
        session, token, other = register(server, "other")
        chat = create_chat(session, token, [me["_id"]])
        message = send(session, token, chat["_id"], "hello")
        self.ids = [me["_id"], other["_id"], chat["_id"], message["_id"]]
        self.current: RawClient | None = None

    def client(self) -> RawClient:
        if self.current is None or self.current.sent >= EVENTS_PER_SOCKET:
            if self.current:
                self.current.close()
            self.current = RawClient(self.server.url, self.token)
        return self.current

    def assert_serving(self) -> None:
        assert self.server.proc.poll() is None, "the server exited"
        requests.get(self.server.url + "/healthz", timeout=WAIT).raise_for_status()
        fresh = RawClient(self.server.url, self.token)
        try:
            assert "user" in fresh.call("auth:hello", {})[0]
        finally:
            fresh.close()


@pytest.fixture(scope="module")
def fuzzing(server):
    return Fuzzing(server)


ASYNCAPI = json.loads((REPO_ROOT / "Generated" / "asyncapi.json").read_text())
SCHEMAS = ASYNCAPI["components"]["schemas"]
# Each client event's payload schema, by event name (its acknowledgement is a message of its own).
PAYLOADS = {message["name"]: message["payload"] for key, message in ASYNCAPI["components"]["messages"].items()
            if not key.endswith("Ack")}
CLIENT_EVENTS = json.loads((REPO_ROOT / "schema" / "events.json").read_text())["events"]["clientToServer"]
EVENTS = sorted(CLIENT_EVENTS)


def json_values(ids: list[str]):
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40), st.sampled_from(ids),
        st.text("0123456789abcdef", min_size=23, max_size=25),
    )
    return st.recursive(scalars, lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4),
    ), max_leaves=12)


def valid(schema: dict, ids: list[str]):
    """Values the schema accepts (the subset of JSON Schema the generated payloads use), ids drawn from real records."""
    if "$ref" in schema:
        return valid(SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]], ids)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        properties = {name: valid(sub, ids) for name, sub in schema.get("properties", {}).items()}
        required = set(schema.get("required", []))
        return st.fixed_dictionaries({name: value for name, value in properties.items() if name in required},
                                     optional={name: value for name, value in properties.items() if name not in required})
    if kind == "array":
        return st.lists(valid(schema.get("items", {}), ids), min_size=schema.get("minItems", 0),
                        max_size=min(schema.get("maxItems", 4), max(4, schema.get("minItems", 0))))
    if kind == "string":
        if schema.get("pattern") == "^[0-9a-f]{24}$":
            return st.sampled_from(ids)
        # Printable: the services refuse control characters in names and ids, a rule no pattern in the schema states.
        printable = st.characters(blacklist_categories=("Cc", "Cs"))
        return st.text(printable, min_size=max(1, schema.get("minLength", 0)), max_size=min(schema.get("maxLength", 40), 40))
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "boolean":
        return st.booleans()
    return json_values(ids)


def arguments(event: str, ids: list[str]):
    """Mostly a payload the event's schema accepts, else one with a field of any other value, any payload, or any
    number of any arguments."""
    garbage = json_values(ids)
    accepted = valid(PAYLOADS[event], ids) if event in PAYLOADS else garbage

    def mutate(payload):
        if not isinstance(payload, dict) or not payload:
            return garbage
        return st.builds(lambda key, value: {**payload, key: value}, st.sampled_from(sorted(payload)), garbage)

    def kind(number: int):
        if number < 6:
            return accepted.map(lambda payload: [payload])
        if number < 8:
            return accepted.flatmap(mutate).map(lambda payload: [payload])
        if number < 9:
            return garbage.map(lambda payload: [payload])
        return st.lists(garbage, max_size=3)

    return st.integers(min_value=0, max_value=9).flatmap(kind)


@FUZZ
@given(data=st.data())
def test_any_payload_is_acknowledged_and_the_socket_stays_open(fuzzing, data):
    name = data.draw(st.one_of(st.sampled_from(EVENTS), st.sampled_from(EVENTS), st.text(max_size=12)), label="event")
    sent = data.draw(arguments(name, fuzzing.ids), label="arguments")
    answer = fuzzing.client().call(name, *sent)
    if answer == [] and name in CLIENT_EVENTS and "ack" not in CLIENT_EVENTS[name]:
        return  # an event without an answer of its own (typing) acknowledges an accepted payload with nothing
    assert len(answer) == 1 and isinstance(answer[0], dict), answer
    if answer[0].get("ok") is False:
        error = answer[0]["error"]
        assert error["code"] in set(ERROR_CODES.values()) - {"INTERNAL", "UNAVAILABLE"}, answer
        assert isinstance(error["message"], str) and error["message"], answer


def frames():
    """Engine.IO and Socket.IO packets built from their grammar's parts, each part sometimes wrong."""
    digit = st.sampled_from("0123456789x ")
    namespace = st.sampled_from(["", "/", "/chat,", "/,", "/x", ","])
    ack = st.one_of(st.just(""), st.integers(min_value=0, max_value=2 ** 80).map(str), st.just("-1"))
    attachments = st.one_of(st.just(""), st.integers(min_value=0, max_value=2 ** 70).map(lambda n: f"{n}-"), st.just("-"))
    body = st.one_of(
        st.just(""),
        st.builds(json.dumps, st.lists(st.one_of(st.sampled_from(EVENTS), st.integers(), st.none(),
                                                 st.dictionaries(st.text(max_size=6), st.integers(), max_size=2)),
                                       max_size=3)),
        st.builds(json.dumps, st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=2)),
        st.text(max_size=30),
        st.sampled_from(['{"_placeholder":true,"num":0}', '["x",{"_placeholder":true,"num":9}]', "[" * 200, "{" * 200]),
    )
    text = st.builds(lambda *parts: "".join(parts), digit, digit, attachments, namespace, ack, body)
    return st.lists(st.one_of(text, st.binary(max_size=40)), min_size=1, max_size=3)


@settings(FUZZ, max_examples=300)
@given(data=st.data())
def test_any_frame_closes_at_most_its_own_connection(fuzzing, data):
    sent = data.draw(frames(), label="frames")
    client = RawClient(fuzzing.server.url, fuzzing.token)
    try:
        # Whatever the frames do to this connection (a frame the server refuses closes it, and the next send may meet
        # the reset), it answers or it is closed: it does not hang or stop the server.
        for frame in sent:
            if isinstance(frame, bytes):
                client.ws.send_binary(frame)
            else:
                client.ws.send(frame)
        client.call("auth:hello", {})
    except (ConnectionError, websocket.WebSocketException, OSError):
        pass
    finally:
        client.close()
    fuzzing.assert_serving()


@settings(FUZZ, max_examples=200)
@given(data=st.data())
def test_any_polling_body_closes_at_most_its_own_session(fuzzing, data):
    """The same frames as a long-polling POST body, several joined by the record separator, binary as `b<base64>`."""
    packets = data.draw(frames(), label="packets")
    body = "\x1e".join(p if isinstance(p, str) else "b" + base64.b64encode(p).decode() for p in packets)
    http = requests.Session()
    base = fuzzing.server.url + "/socket.io/?EIO=4&transport=polling"
    opened = http.get(base, timeout=WAIT)
    assert opened.status_code == 200 and opened.text.startswith("0{"), opened.text
    url = f"{base}&sid={json.loads(opened.text[1:])['sid']}"
    assert http.post(url, data=("40" + json.dumps({"token": fuzzing.token})).encode(), timeout=WAIT).text == "ok"
    assert http.get(url, timeout=WAIT).text.startswith("40{")
    answer = http.post(url, data=body.encode(), timeout=WAIT)
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 400:
        assert set(answer.json()) == {"code", "message"}, answer.text
    http.post(url, data=b"1", timeout=WAIT)
    fuzzing.assert_serving()

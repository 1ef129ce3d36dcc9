"""The Socket.IO module against the protocols' own reference test server (`socketio-test-server`), at the frame
level (raw WebSocket frames, raw HTTP) from the Engine.IO v4 and Socket.IO v5 specifications, then with
python-socketio as an unmodified client.

The server pings every 300 ms, waits 200 ms for the pong, caps messages at 1,000,000 bytes and closes a client that
connects no namespace within 1,000 ms.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import requests
import socketio
import websocket

from conftest import REPO_ROOT, free_port, spawn_parley, stop_process, wait_for_port

PING_INTERVAL = 0.3
PING_TIMEOUT = 0.2
SERVER_PIDS: dict[str, int] = {}


@pytest.fixture(scope="module")
def test_server(tmp_path_factory) -> str:
    binary = Path(os.environ.get("SOCKETIO_TEST_SERVER_BIN", REPO_ROOT / ".build" / "debug" / "socketio-test-server"))
    port = free_port()
    log = tmp_path_factory.mktemp("socketio") / "server.log"
    proc = spawn_parley([str(binary)], log, REPO_ROOT, {**os.environ, "PORT": str(port)})
    wait_for_port(proc, port, "socketio-test-server", log)
    SERVER_PIDS[f"127.0.0.1:{port}"] = proc.pid
    yield f"127.0.0.1:{port}"
    stop_process(proc)


def ws_connect(host: str, path: str = "/socket.io/", query: str = "EIO=4&transport=websocket") -> websocket.WebSocket:
    return websocket.create_connection(f"ws://{host}{path}?{query}", timeout=5)


def recv_skipping_pings(ws: websocket.WebSocket):
    """The next frame that is not a ping; pings are answered."""
    while True:
        opcode, data = ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_TEXT:
            text = data.decode()
            if text == "2":
                ws.send("3")
                continue
            return text
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return data
        raise ConnectionError(f"opcode {opcode}")


def assert_closed(ws: websocket.WebSocket, within: float) -> None:
    """The server closes the connection within `within` seconds (pings are not answered meanwhile)."""
    ws.settimeout(within)
    deadline = time.monotonic() + within
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        while time.monotonic() < deadline:
            opcode, _ = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise ConnectionError("closed")
        raise AssertionError("still open")


def open_socketio(host: str, namespace: str = "/", auth: dict | None = None) -> tuple[websocket.WebSocket, str]:
    ws = ws_connect(host)
    assert ws.recv().startswith("0{")
    prefix = "" if namespace == "/" else f"{namespace},"
    ws.send("40" + prefix + (json.dumps(auth) if auth is not None else ""))
    answer = recv_skipping_pings(ws)
    assert answer.startswith("40" + prefix + "{"), answer
    sid = json.loads(answer[2 + len(prefix):])["sid"]
    assert recv_skipping_pings(ws) == "42" + prefix + json.dumps(["auth", auth], separators=(",", ":"))
    return ws, sid


# ------------------------------------------------------------------------------------------------ Engine.IO

def test_the_websocket_handshake_opens_a_session(test_server):
    ws = ws_connect(test_server)
    first = ws.recv()
    assert first[0] == "0"
    handshake = json.loads(first[1:])
    assert handshake["upgrades"] == []
    assert handshake["pingInterval"] == 300 and handshake["pingTimeout"] == 200 and handshake["maxPayload"] == 1_000_000
    assert len(handshake["sid"]) >= 20
    ws.close()


def test_the_server_pings_and_closes_when_no_pong_comes(test_server):
    ws = ws_connect(test_server, path="/engine.io/")
    ws.recv()
    started = time.monotonic()
    for _ in range(3):  # answered pings keep the session alive
        assert ws.recv() == "2"
        ws.send("3")
    assert time.monotonic() - started < 3 * PING_INTERVAL + 0.5
    assert ws.recv() == "2"
    assert_closed(ws, PING_INTERVAL + PING_TIMEOUT + 0.5)


def test_the_engineio_echo_server_returns_text_and_binary(test_server):
    ws = ws_connect(test_server, path="/engine.io/")
    ws.recv()
    ws.send("4hello €")
    assert recv_skipping_pings(ws) == "4hello €"
    ws.send_binary(bytes([0, 1, 2, 255]))
    assert recv_skipping_pings(ws) == bytes([0, 1, 2, 255])
    ws.send("2probe")  # a ping from the client is answered with the same data
    assert recv_skipping_pings(ws) == "3probe"
    ws.close()


def test_a_message_over_max_payload_closes_the_connection(test_server):
    ws = ws_connect(test_server, path="/engine.io/")
    ws.recv()
    ws.send("4" + "x" * 1_000_001)
    assert_closed(ws, 2)


def test_an_unknown_packet_type_closes_the_connection(test_server):
    ws = ws_connect(test_server, path="/engine.io/")
    ws.recv()
    ws.send("9")
    assert_closed(ws, 2)


@pytest.mark.parametrize("query, code, message", [
    ("EIO=3&transport=websocket", 5, "Unsupported protocol version"),
    ("transport=websocket", 5, "Unsupported protocol version"),
    ("EIO=4&transport=carrier-pigeon", 0, "Transport unknown"),
    ("EIO=4&transport=websocket&sid=unknown", 1, "Session ID unknown"),
    ("EIO=4&transport=polling&sid=unknown", 1, "Session ID unknown"),
])
def test_handshake_errors_are_400_with_the_engineio_body(test_server, query, code, message):
    reply = requests.get(f"http://{test_server}/socket.io/?{query}", timeout=5)
    assert reply.status_code == 400
    assert reply.json() == {"code": code, "message": message}
    # The same over a WebSocket upgrade request: refused, never upgraded.
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        ws_connect(test_server, query=query.replace("polling", "websocket"))
    assert refused.value.status_code == 400


def test_a_bad_handshake_method_is_refused(test_server):
    for method in ("PUT", "POST"):
        reply = requests.request(method, f"http://{test_server}/socket.io/?EIO=4&transport=polling", timeout=5)
        assert reply.status_code == 400
        assert reply.json() == {"code": 2, "message": "Bad handshake method"}
    # A WebSocket handshake that is not an upgrade request.
    reply = requests.get(f"http://{test_server}/socket.io/?EIO=4&transport=websocket", timeout=5)
    assert reply.json() == {"code": 3, "message": "Bad request"}


# ------------------------------------------------------------------------------------------------ Socket.IO

def test_connect_answers_the_sid_and_the_server_emits_the_auth_payload(test_server):
    ws, sid = open_socketio(test_server, auth={"token": "123"})
    assert sid
    ws.close()
    ws, _ = open_socketio(test_server)  # no auth payload
    ws.close()


def test_custom_namespace_and_unknown_namespace(test_server):
    ws, _ = open_socketio(test_server, namespace="/custom", auth={"x": 1})
    ws.send('42/custom,["message","hi"]')
    assert recv_skipping_pings(ws) == '42/custom,["message-back","hi"]'
    ws.send("40/nope,")
    assert recv_skipping_pings(ws) == '44/nope,{"message":"Invalid namespace"}'
    ws.close()


def test_events_and_acknowledgements(test_server):
    ws, _ = open_socketio(test_server)
    ws.send('42["message",1,"two",{"three":[3]}]')
    assert recv_skipping_pings(ws) == '42["message-back",1,"two",{"three":[3]}]'
    ws.send('4217["message-with-ack",{"a":1},null]')
    assert recv_skipping_pings(ws) == '4317[{"a":1},null]'
    ws.close()


def test_binary_attachments_in_events_and_acks(test_server):
    ws, _ = open_socketio(test_server)
    ws.send('452-["message",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}]')
    ws.send_binary(b"\x01\x02\x03")
    ws.send_binary(b"")
    assert recv_skipping_pings(ws) == '452-["message-back",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}]'
    assert recv_skipping_pings(ws) == b"\x01\x02\x03"
    assert recv_skipping_pings(ws) == b""
    ws.send('451-9["message-with-ack",{"_placeholder":true,"num":0}]')
    ws.send_binary(b"\xff")
    assert recv_skipping_pings(ws) == '461-9[{"_placeholder":true,"num":0}]'
    assert recv_skipping_pings(ws) == b"\xff"
    ws.close()


@pytest.mark.parametrize("packet", [
    '42{"not":"an array"}', "42[]", '42["connect"]', "4x", '42["message"', '451-["message"]', "44{}",
])
def test_an_invalid_packet_closes_the_connection(test_server, packet):
    ws, _ = open_socketio(test_server)
    ws.send(packet)
    if packet == '451-["message"]':
        ws.send_binary(b"\x00")  # an attachment no placeholder names
    assert_closed(ws, 2)


def test_binary_without_a_packet_waiting_for_it_closes_the_connection(test_server):
    ws, _ = open_socketio(test_server)
    ws.send_binary(b"\x00")
    assert_closed(ws, 2)


def test_a_client_that_joins_no_namespace_is_closed_after_the_connect_timeout(test_server):
    ws = ws_connect(test_server)
    ws.recv()
    started = time.monotonic()
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        while True:
            recv_skipping_pings(ws)
    assert 0.9 < time.monotonic() - started < 2.5


def test_after_leaving_a_namespace_its_events_are_not_answered(test_server):
    ws, _ = open_socketio(test_server)
    ws.send("41")
    ws.send('42["message","ignored"]')
    ws.send("40")  # back in: a new socket, events answered again
    assert recv_skipping_pings(ws).startswith("40{")
    assert recv_skipping_pings(ws) == '42["auth",null]'
    ws.send('42["message","again"]')
    assert recv_skipping_pings(ws) == '42["message-back","again"]'
    ws.close()


# --------------------------------------------------------------------------------- connection state recovery

def event_of(text: str) -> list:
    assert text.startswith("42"), text
    return json.loads(text[2:])


def connect_recovering(host: str, auth: dict) -> tuple[websocket.WebSocket, dict]:
    """CONNECT with `auth`; the answer's payload ({sid, pid})."""
    ws = ws_connect(host)
    assert ws.recv().startswith("0{")
    ws.send("40" + json.dumps(auth))
    answer = recv_skipping_pings(ws)
    assert answer.startswith("40{"), answer
    return ws, json.loads(answer[2:])


def test_recovery_is_offered_only_to_clients_that_ask(test_server):
    # A plain client: no pid, events without an offset (python-socketio's handlers would get an extra argument).
    plain, sid = open_socketio(test_server, auth={"token": "t"})
    plain.send('42["message","hi"]')
    assert recv_skipping_pings(plain) == '42["message-back","hi"]'
    plain.close()
    # One that asks: a pid, and every event it is sent ends with its offset.
    ws, answer = connect_recovering(test_server, {"recover": True})
    assert set(answer) == {"sid", "pid"} and answer["pid"] != answer["sid"]
    auth_event = event_of(recv_skipping_pings(ws))
    assert auth_event[:2] == ["auth", {"recover": True}] and isinstance(auth_event[2], str)
    ws.send('42["message","hi"]')
    back = event_of(recv_skipping_pings(ws))
    assert back[:2] == ["message-back", "hi"] and back[2] != auth_event[2]
    # Acknowledgements carry no offset: they are answers, not events to replay.
    ws.send('421["message-with-ack","x"]')
    assert recv_skipping_pings(ws) == '431["x"]'
    ws.close()


def test_a_dropped_socket_comes_back_with_its_id_rooms_and_every_missed_event_once(test_server):
    ws, first = connect_recovering(test_server, {"recover": True})
    offset = event_of(recv_skipping_pings(ws))[-1]
    ws.send('42["join","r1","r2"]')
    # The sender answers pings on its own while this test sleeps.
    sender = socketio.Client(reconnection=False)
    sender.connect(f"http://{test_server}", transports=["websocket"])
    sender.emit("to-room", ("r1", "before"))
    before = event_of(recv_skipping_pings(ws))
    assert before[:2] == ["room-message", "before"]
    offset = before[-1]
    ws.close()  # the transport drops: the session is kept
    time.sleep(0.3)
    for n in range(3):
        sender.emit("to-room", ("r1", f"missed {n}"))
    sender.emit("to-room", ("elsewhere", "not for it"))
    sender.call("to-room", ("r2", "missed 3"), timeout=5)

    back, answer = connect_recovering(test_server, {"pid": first["pid"], "offset": offset})
    assert answer == first  # same sid, same pid
    replayed = [event_of(recv_skipping_pings(back)) for _ in range(4)]
    assert [event[1] for event in replayed] == ["missed 0", "missed 1", "missed 2", "missed 3"]
    assert len({event[-1] for event in replayed}) == 4
    assert event_of(recv_skipping_pings(back))[0] == "auth"  # the connection hook runs again
    # Its rooms came back: live events arrive, once.
    sender.emit("to-room", ("r1", "live"))
    live = event_of(recv_skipping_pings(back))
    assert live[1] == "live"
    back.send('421["message-with-ack","sync"]')
    assert recv_skipping_pings(back) == '431["sync"]'  # nothing else came in between
    back.close()
    sender.disconnect()


def test_a_session_is_recovered_once_and_not_after_leaving_or_with_an_unknown_offset(test_server):
    ws, first = connect_recovering(test_server, {"recover": True})
    offset = event_of(recv_skipping_pings(ws))[-1]
    ws.close()
    time.sleep(0.3)
    again, answer = connect_recovering(test_server, {"pid": first["pid"], "offset": offset})
    assert answer["sid"] == first["sid"]
    again.close()
    time.sleep(0.3)
    # The same pid a second time: a new session, since the first recovery took it (the socket dropped again, though,
    # so its newest session is kept under the same pid).
    third, answer = connect_recovering(test_server, {"pid": first["pid"], "offset": "no-such-offset"})
    assert answer["sid"] != first["sid"] and answer["pid"] != first["pid"]
    third.close()
    time.sleep(0.3)
    # A socket that left on purpose is not kept.
    ws, left = connect_recovering(test_server, {"recover": True})
    offset = event_of(recv_skipping_pings(ws))[-1]
    ws.send("41")
    time.sleep(0.3)
    ws.close()
    later, answer = connect_recovering(test_server, {"pid": left["pid"], "offset": offset})
    assert answer["sid"] != left["sid"]
    later.close()


# ------------------------------------------------------------------------------------------- python-socketio

def test_python_socketio_over_websocket(test_server):
    client = socketio.Client(reconnection=False)
    received = []
    client.on("auth", lambda data: received.append(("auth", data)))
    client.on("message-back", lambda *args: received.append(("message-back", args)))
    client.connect(f"http://{test_server}", transports=["websocket"], auth={"token": "abc"}, namespaces=["/", "/custom"])
    try:
        client.emit("message", (1, "two", {"three": 3}))
        assert client.call("message-with-ack", (1, "2", b"\x00\x01binary"), timeout=5) == (1, "2", b"\x00\x01binary")
        assert client.call("message-with-ack", "on custom", namespace="/custom", timeout=5) == "on custom"
        deadline = time.monotonic() + 5
        while len(received) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ("auth", {"token": "abc"}) in received
        assert ("message-back", (1, "two", {"three": 3})) in received
        time.sleep(3 * PING_INTERVAL)  # the heartbeat keeps an idle client connected
        assert client.connected
        assert client.call("message-with-ack", "still here", timeout=5) == "still here"
    finally:
        client.disconnect()


def test_a_client_that_stops_reading_is_cut_off(test_server):
    """The echo server answers every message; a client that sends and never reads fills the socket buffers, then the
    session's bounded queue (1,000 packets), and is disconnected instead of buffered without bound."""
    def rss_mib() -> float:
        status = Path(f"/proc/{SERVER_PIDS[test_server]}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024

    before = rss_mib()
    ws = ws_connect(test_server, path="/engine.io/")
    ws.recv()
    chunk = "4" + "x" * 16_000
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError, BrokenPipeError, OSError)):
        for _ in range(20_000):  # 320 MB if it were all taken
            ws.send(chunk)
    # At most the queue's 1,000 echoes of 16 kB were held for it, whatever it sent.
    assert rss_mib() - before < 64
    # The server goes on serving everyone else.
    other = ws_connect(test_server, path="/engine.io/")
    assert other.recv().startswith("0{")
    other.send("4still here")
    assert recv_skipping_pings(other) == "4still here"
    other.close()


def test_a_client_that_sends_faster_than_it_is_served_is_held_back(test_server):
    """Each `slow` event takes 100 ms. A client that sends them as fast as it can is not queued without bound: the
    server stops reading it (TCP pushes back, and the client's send blocks), then handles what it took, in order."""
    def rss_mib() -> float:
        status = Path(f"/proc/{SERVER_PIDS[test_server]}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024

    before = rss_mib()
    ws, _ = open_socketio(test_server)
    ws.sock.settimeout(3)
    padding = "x" * 20_000
    sent = 0
    with pytest.raises((websocket.WebSocketTimeoutException, TimeoutError, OSError)):
        for n in range(5_000):  # 100 MB if it were all taken in
            ws.send(f'42{n}["slow",{n},"{padding}"]')
            sent += 1
    assert sent < 2_000, "the server kept reading"
    assert rss_mib() - before < 40
    # What it took is answered in order (the test stops reading after a few).
    ws.sock.settimeout(10)
    answers = []
    while len(answers) < 3:
        text = recv_skipping_pings(ws)
        if text.startswith("43"):
            answers.append(int(text[2:text.index("[")]))
    assert answers == [0, 1, 2]
    ws.close()
    # Everyone else is served meanwhile.
    other, _ = open_socketio(test_server)
    other.send('421["message-with-ack","hi"]')
    assert recv_skipping_pings(other) == '431["hi"]'
    other.close()


# ------------------------------------------------------------------------------------------- HTTP long-polling

class Polling:
    """A raw polling client: GET to receive, POST to send, payloads joined by the record separator."""

    def __init__(self, host: str, path: str = "/socket.io/"):
        self.base = f"http://{host}{path}?EIO=4&transport=polling"
        self.http = requests.Session()
        handshake = self.http.get(self.base, timeout=5)
        assert handshake.status_code == 200 and handshake.headers["Content-Type"].startswith("text/plain")
        assert handshake.text[0] == "0"
        self.open = json.loads(handshake.text[1:])
        self.url = f"{self.base}&sid={self.open['sid']}"

    def get(self, timeout: float = 5) -> list[str]:
        reply = self.http.get(self.url, timeout=timeout)
        assert reply.status_code == 200, reply.text
        return reply.text.split("\x1e")

    def post(self, *packets: str) -> requests.Response:
        return self.http.post(self.url, data="\x1e".join(packets).encode(), timeout=5)

    def receive(self, count: int) -> list[str]:
        """The next `count` packets that are not pings (pings are answered)."""
        packets: list[str] = []
        while len(packets) < count:
            for packet in self.get():
                if packet == "2":
                    assert self.post("3").text == "ok"
                else:
                    packets.append(packet)
        return packets


def test_polling_handshake_connect_events_and_acks(test_server):
    client = Polling(test_server)
    assert client.open["upgrades"] == ["websocket"] and client.open["pingInterval"] == 300
    assert client.post('40{"token":"p"}').text == "ok"
    connected, auth = client.receive(2)
    assert connected.startswith("40{") and auth == '42["auth",{"token":"p"}]'
    client.post('42["message","over polling"]', '425["message-with-ack",7]')
    answers = client.receive(2)
    assert '42["message-back","over polling"]' in answers and "435[7]" in answers


def test_polling_carries_binary_as_base64(test_server):
    client = Polling(test_server)
    client.post("40")
    client.receive(2)
    client.post('451-["message",{"_placeholder":true,"num":0}]', "bAQID")
    assert client.receive(2) == ['451-["message-back",{"_placeholder":true,"num":0}]', "bAQID"]


def test_polling_heartbeat_and_timeout(test_server):
    client = Polling(test_server, path="/engine.io/")
    started = time.monotonic()
    assert client.get() == ["2"]
    assert time.monotonic() - started < PING_INTERVAL + 0.3
    assert client.post("3").text == "ok"
    assert client.get() == ["2"]
    time.sleep(PING_INTERVAL + PING_TIMEOUT + 0.3)  # no pong: the session is gone
    reply = client.http.get(client.url, timeout=5)
    assert reply.status_code == 400 or reply.text == "1"


def test_a_second_concurrent_poll_closes_the_session(test_server):
    import threading
    client = Polling(test_server, path="/engine.io/")
    first: list = []
    waiting = threading.Thread(target=lambda: first.append(client.http.get(client.url, timeout=5)))
    waiting.start()
    time.sleep(0.05)
    second = requests.get(client.url, timeout=5)
    waiting.join()
    assert second.status_code == 400 and second.json() == {"code": 3, "message": "Bad request"}
    assert first[0].text in ("1", "2\x1e1") or first[0].status_code == 200
    assert requests.get(client.url, timeout=5).json()["code"] == 1, "the session is closed"


def test_a_polling_body_over_max_payload_is_413_and_closes_the_session(test_server):
    client = Polling(test_server, path="/engine.io/")
    reply = client.post("4" + "x" * 1_000_001)
    assert reply.status_code == 413
    assert requests.get(client.url, timeout=5).json()["code"] == 1


def test_upgrade_from_polling_to_websocket(test_server):
    import threading
    client = Polling(test_server)
    client.post("40")
    client.receive(2)
    pending: list = []
    poll = threading.Thread(target=lambda: pending.append(client.get()))
    poll.start()
    ws = ws_connect(test_server, query=f"EIO=4&transport=websocket&sid={client.open['sid']}")
    ws.send("2probe")
    assert ws.recv() == "3probe"
    poll.join(timeout=5)
    assert "6" in pending[0], "the pending poll ends with a noop"
    ws.send("5")
    ws.send('42["message","upgraded"]')
    assert recv_skipping_pings(ws) == '42["message-back","upgraded"]'
    # Polling is over for this session.
    assert requests.get(client.url, timeout=5).status_code == 400
    ws.close()


def test_python_socketio_with_default_transports_upgrades(test_server):
    client = socketio.Client(reconnection=False)
    client.connect(f"http://{test_server}", auth={"token": "default"})
    try:
        assert client.call("message-with-ack", "via polling first", timeout=5) == "via polling first"
        deadline = time.monotonic() + 5
        while client.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.transport() == "websocket"
        assert client.call("message-with-ack", ("after", b"\x00upgrade"), timeout=5) == ("after", b"\x00upgrade")
    finally:
        client.disconnect()


def test_server_to_client_acknowledgements_and_their_timeout(test_server):
    ws, _ = open_socketio(test_server)
    ws.send('42["call-me-back",1,{"two":2}]')
    callback = recv_skipping_pings(ws)
    assert callback.startswith("42") and callback.endswith('["callback",1,{"two":2}]')
    ack_id = callback[2:callback.index("[")]
    ws.send(f'43{ack_id}["answered",3]')
    assert recv_skipping_pings(ws) == '42["callback-answer","answered",3]'
    # Not acknowledged: the server's wait ends after its timeout.
    ws.send('42["call-me-back"]')
    assert recv_skipping_pings(ws).endswith('["callback"]')
    started = time.monotonic()
    assert recv_skipping_pings(ws) == '42["callback-timeout"]'
    assert 0.4 < time.monotonic() - started < 1.5
    ws.close()
    # python-socketio answers through its handler's return value.
    client = socketio.Client(reconnection=False)
    answers = []
    client.on("callback", lambda *args: ("from python",) + args)
    client.on("callback-answer", lambda *args: answers.append(args))
    client.connect(f"http://{test_server}", transports=["websocket"])
    try:
        client.emit("call-me-back", (b"\x01", "x"))
        deadline = time.monotonic() + 5
        while not answers and time.monotonic() < deadline:
            time.sleep(0.05)
        assert answers == [("from python", b"\x01", "x")]
    finally:
        client.disconnect()

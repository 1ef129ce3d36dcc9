"""Two `parley serve` instances on one MongoDB and one Redis: users on different instances talk in real time, each
socket gets each event exactly once, a dropped socket recovers on the other instance, and delivery resumes after
Redis restarts."""

from __future__ import annotations

import secrets
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import create_chat, register, send, start_redis, start_secantus, start_server, stop_process, stop_server
from test_realtime import Client, assert_recovers_missed_messages


@pytest.fixture(scope="module")
def cluster(parley_bin):
    workdir = Path(tempfile.mkdtemp(prefix="parley-bb-cluster-"))
    mongo = start_secantus(workdir)
    redis = start_redis(workdir)
    env = {"MONGO_URI": f"mongodb://127.0.0.1:{mongo.port}/parley_{secrets.token_hex(6)}",
           "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"}
    instances = [start_server(parley_bin, "embedded", env) for _ in range(2)]
    state = {"instances": instances, "redis": redis, "workdir": workdir}
    yield state
    for instance in instances:
        stop_server(instance)
    stop_process(state["redis"].proc)
    stop_process(mongo.proc)


def test_users_on_two_instances_talk_and_each_socket_hears_each_event_once(cluster):
    a, b = cluster["instances"]
    alice_session, alice_token, alice = register(a, "alice")
    bob_session, bob_token, bob = register(b, "bob")
    chat = create_chat(alice_session, alice_token, [bob["_id"]])
    alice_client, bob_client = Client(a, alice_token), Client(b, bob_token)
    try:
        temp = str(uuid.uuid4())
        ack = alice_client.call("message:send", {"chatId": chat["_id"], "body": "across", "tempId": temp})
        message = ack["message"]
        assert bob_client.next("message:new")["_id"] == message["_id"]
        assert alice_client.next("message:new")["tempId"] == temp
        # Delivered on instance B, told to the sender on instance A.
        assert alice_client.next("receipt:delivered")["messageIds"] == [message["_id"]]
        bob_client.call("typing:start", {"chatId": chat["_id"]})
        assert alice_client.next("typing:update")["isTyping"] is True
        # Exactly once: nothing more of any of these reaches either socket.
        for client in (alice_client, bob_client):
            client.nothing("message:new", within=0.7)
        alice_client.nothing("typing:update", lambda p: p["isTyping"], within=0.1)
        alice_client.nothing("receipt:delivered", within=0.1)
    finally:
        alice_client.close()
        bob_client.close()


def test_a_socket_dropped_on_one_instance_recovers_on_the_other(cluster):
    a, b = cluster["instances"]
    assert_recovers_missed_messages(a, b)


def test_delivery_resumes_after_redis_restarts(cluster):
    a, b = cluster["instances"]
    alice_session, alice_token, alice = register(a, "alice")
    _, bob_token, bob = register(b, "bob")
    chat = create_chat(alice_session, alice_token, [bob["_id"]])
    bob_client = Client(b, bob_token)
    try:
        first = send(alice_session, alice_token, chat["_id"], "before")
        assert bob_client.next("message:new")["_id"] == first["_id"]

        redis = cluster["redis"]
        stop_process(redis.proc)
        cluster["redis"] = start_redis(cluster["workdir"], port=redis.port)
        # Messages are stored meanwhile (REST does not need Redis for that); the relay reconnects with backoff.
        deadline = time.monotonic() + 20
        delivered = None
        while delivered is None and time.monotonic() < deadline:
            message = send(alice_session, alice_token, chat["_id"], "after restart")
            try:
                delivered = bob_client.next("message:new", lambda m: m["_id"] == message["_id"])
            except AssertionError:
                continue
        assert delivered is not None, "no delivery within 20 s of the restart"
        # And from then on, each message once.
        ids = [send(alice_session, alice_token, chat["_id"], f"then {n}")["_id"] for n in range(3)]
        assert [bob_client.next("message:new")["_id"] for _ in ids] == ids
        bob_client.nothing("message:new", within=0.5)
        assert requests.get(a.url + "/readyz", timeout=5).status_code == 200
    finally:
        bob_client.close()

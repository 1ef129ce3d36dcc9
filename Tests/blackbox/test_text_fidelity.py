"""Hostile text in every text field: stored and returned faithfully, or refused with 400; never a 500, never a
value cut short in the store (each accepted value is read back through another route)."""

import json

import pytest
import requests

from conftest import api, assert_error, create_chat, expect, register, send

# (label, raw JSON string literal as sent on the wire, the Python value it stands for or None when it is not text)
SAMPLES = [
    ("nul", '"before\\u0000after"', "before\u0000after"),
    ("lone high surrogate", '"a\\ud800b"', None),
    ("lone low surrogate", '"a\\udc00b"', None),
    ("rtl override", '"\\u202egpj.exe"', "\u202egpj.exe"),
    ("four-byte emoji", '"\\ud83d\\ude00 \U0001F469\u200d\U0001F4BB"', "\U0001F600 \U0001F469\u200d\U0001F4BB"),
    ("tab and newline", '"tab\\there\\nnext"', "tab\there\nnext"),
]
OVERLONG = b'"\xc0\xaf"'  # "/" in an overlong two-byte form: not UTF-8


def post_raw(server, method, path, token, body: bytes):
    return requests.request(method, server.url + path, data=body, timeout=30,
                            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def fields(chat_id, message_id):
    """(route, JSON body template with {} where the text goes, how to read the stored value back)."""
    return [
        ("PATCH", "/api/users/me", '{{"name": {}}}', lambda s, t: api(s, "GET", "/api/auth/me", t).json()["user"]["name"]),
        ("PATCH", "/api/users/me", '{{"about": {}}}', lambda s, t: api(s, "GET", "/api/auth/me", t).json()["user"].get("about")),
        ("PATCH", f"/api/chats/{chat_id}", '{{"title": {}}}', lambda s, t: api(s, "GET", f"/api/chats/{chat_id}", t).json()["chat"]["title"]),
        ("POST", f"/api/messages/{chat_id}", '{{"body": {}}}',
         lambda s, t: api(s, "GET", f"/api/messages/{chat_id}?limit=1", t).json()["messages"][0]["body"]),
        ("PATCH", f"/api/messages/{message_id}", '{{"body": {}}}',
         lambda s, t: [m for m in api(s, "GET", f"/api/messages/{chat_id}?limit=100", t).json()["messages"]
                       if m["_id"] == message_id][0]["body"]),
    ]


@pytest.mark.parametrize("label,literal,value", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_hostile_text_in_every_text_field(server, label, literal, value):
    s, token, _ = register(server, "fidelity")
    _, _, other = register(server, "fidelity_o")
    chat = create_chat(s, token, [other["_id"]], type_="group", title="Fidelity")
    message = send(s, token, chat["_id"], "to edit")
    for method, path, template, read_back in fields(chat["_id"], message["_id"]):
        r = post_raw(server, method, path, token, template.format(literal).encode())
        where = f"{label}: {method} {path} {template}"
        assert r.status_code < 500, f"{where}: {r.status_code} {r.text[:200]}"
        if value is None:
            assert_error(r, 400)
            continue
        if r.status_code == 400:
            assert_error(r, 400)
            continue
        assert r.status_code in (200, 201), f"{where}: {r.status_code} {r.text[:200]}"
        assert read_back(s, token) == value, f"{where}: stored {read_back(s, token)!r}"


def test_overlong_utf8_is_refused_everywhere(server):
    s, token, _ = register(server, "overlong")
    _, _, other = register(server, "overlong_o")
    chat = create_chat(s, token, [other["_id"]], type_="group", title="Overlong")
    message = send(s, token, chat["_id"], "to edit")
    for method, path, template, _ in fields(chat["_id"], message["_id"]):
        body = template.replace("{}", "@@").encode().replace(b"@@", OVERLONG).replace(b"{{", b"{").replace(b"}}", b"}")
        assert_error(post_raw(server, method, path, token, body), 400)

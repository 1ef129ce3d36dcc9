#!/usr/bin/env python3
"""Makes the users and chats of a Socket.IO load run through Parley's REST API and writes the plan parley-load
reads: every user with an access token, 2-member chats pairing users 0-1, 2-3, ..., and one group of the first
GROUP users (user 0 sends to it).

    socket-plan.py URL USERS GROUP OUT.json
"""
import json
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor

import requests

url, users_wanted, group_size, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
run = secrets.token_hex(3)
local = __import__("threading").local()


def session() -> requests.Session:
    if not hasattr(local, "session"):
        local.session = requests.Session()
    return local.session


def call(method, path, body=None, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = session().request(method, url + path, json=body, headers=headers, timeout=60)
    if resp.status_code // 100 != 2:
        raise SystemExit(f"{method} {path}: {resp.status_code} {resp.text[:300]}")
    return resp.json()


def register(n):
    name = f"load{run}u{n}"
    answer = call("POST", "/api/auth/register",
                  {"username": name, "email": f"{name}@example.com", "password": "load test password", "name": name})
    return {"id": answer["user"]["_id"], "token": answer["accessToken"]}


with ThreadPoolExecutor(8) as pool:
    users = list(pool.map(register, range(users_wanted)))


def pair(i):
    chat = call("POST", "/api/chats", {"type": "direct", "participantIds": [users[i + 1]["id"]]}, users[i]["token"])["chat"]
    return {"chatId": chat["_id"], "users": [i, i + 1]}


with ThreadPoolExecutor(8) as pool:
    pairs = list(pool.map(pair, range(0, users_wanted - 1, 2)))
plan = {"users": users, "pairs": pairs}
if group_size > 1:
    members = list(range(min(group_size, users_wanted)))
    group = call("POST", "/api/chats", {"type": "group", "title": "load", "participantIds": [users[m]["id"] for m in members[1:]]},
                 users[0]["token"])["chat"]
    plan["group"] = {"chatId": group["_id"], "members": members}
json.dump(plan, open(out, "w"))
print(f"{len(users)} users, {len(pairs)} pairs, group of {len(plan.get('group', {}).get('members', []))}", file=sys.stderr)

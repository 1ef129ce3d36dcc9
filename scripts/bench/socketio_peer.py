#!/usr/bin/env python3
"""The peer for the Socket.IO benchmarks: python-socketio (AsyncServer on aiohttp) running a minimal relay of the
same events parley-load uses, over the same plan. It authenticates by looking the token up in the plan (no
signature check), joins the user's rooms, and answers `message:send` with the ack and `message:new` to the chat's
room; it stores nothing (Parley writes every message to SQLite before acknowledging it).

    socketio_peer.py PLAN.json PORT
"""
import itertools
import json
import sys
from datetime import datetime, timezone

import socketio
from aiohttp import web

plan = json.load(open(sys.argv[1]))
port = int(sys.argv[2])
user_of_token = {u["token"]: i for i, u in enumerate(plan["users"])}
chats_of_user: dict[int, list[str]] = {}
for chat in plan["pairs"] + ([plan["group"]] if plan.get("group") else []):
    for member in chat["users"] if "users" in chat else chat["members"]:
        chats_of_user.setdefault(member, []).append(chat["chatId"])
ids = itertools.count()

sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*", ping_interval=25, ping_timeout=20)
app = web.Application()
sio.attach(app)


@sio.event
async def connect(sid, environ, auth):
    user = user_of_token.get((auth or {}).get("token"))
    if user is None:
        raise socketio.exceptions.ConnectionRefusedError({"code": "UNAUTHORIZED"})
    await sio.save_session(sid, {"user": user})
    await sio.enter_room(sid, f"user:{user}")
    for chat in chats_of_user.get(user, []):
        await sio.enter_room(sid, f"chat:{chat}")


@sio.on("message:send")
async def message_send(sid, payload):
    session = await sio.get_session(sid)
    message = {"_id": f"{next(ids):024x}", "chatId": payload["chatId"], "senderId": plan["users"][session["user"]]["id"],
               "body": payload["body"], "createdAt": datetime.now(timezone.utc).isoformat()}
    await sio.emit("message:new", message, room=f"chat:{payload['chatId']}", skip_sid=sid)
    await sio.emit("message:new", {**message, "tempId": payload["tempId"]}, to=sid)
    return {"ok": True, "tempId": payload["tempId"], "message": message}


if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=port, print=None, backlog=4096)

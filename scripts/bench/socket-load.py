#!/usr/bin/env python3
"""Socket.IO benchmarks, Parley and the python-socketio peer side by side in one run (release builds; figures, not
tests). For each server: 18,000 idle connections from two parley-load processes (the file limit is 20,000 per
process) with the server's RSS and idle CPU, then a probe message that every one of them must receive; 2-member
chats at a total rate; one message at a time to a 1,000-member group (before the chats, whose backlog would
slow it when the rate is more than the server sustains).

    scripts/bench/socket-load.py [--connections 18000] [--rate 10000] [--servers parley,peer]
    scripts/bench/socket-load.py --cluster 3       # 3 x 18,000 idle connections on one Redis, one probe to all
    scripts/bench/socket-load.py --pin --phases chat --rate 1100   # what one core of server sustains

With --pin the server runs on CPU 0 and the load generators on CPU 1 (taskset), so that the load's own CPU is not
taken from the server: on a 2-core machine, one core of server against a load that does not compete with it.

PARLEY_BIN and LOAD_BIN default to the release builds; results go to $TMPDIR/socket-load/.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PARLEY = os.environ.get("PARLEY_BIN", str(ROOT / ".build/release/parley"))
LOAD = os.environ.get("LOAD_BIN", str(ROOT / ".build/release/parley-load"))
PYTHON = str(ROOT / ".venv/bin/python")
WORK = Path(tempfile.gettempdir()) / "socket-load"
TICKS = os.sysconf("SC_CLK_TCK")
# Command prefixes for the server and the load generators (`--pin`).
PIN = {"server": [], "load": []}


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{url} not up")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def settle(pid: int, limit: float = 120) -> None:
    """Waits until the server is idle (under a tenth of a core for 2 s): one load's backlog must not slow the next."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(2)
        if cpu_seconds(pid) - before < 0.2:
            return


def load(url, plan, mode, out, connections, first=0, count=None, source="127.0.0.1", rate=0, duration=20, ready=None, threads=1):
    argv = PIN["load"] + [LOAD, "run", "--url", url, "--plan", str(plan), "--mode", mode, "--connections", str(connections),
            "--first-user", str(first), "--source", source, "--duration", str(duration), "--out", str(out),
            "--threads", str(threads)]
    if count:
        argv += ["--user-count", str(count)]
    if rate:
        argv += ["--rate", str(rate)]
    if ready:
        argv += ["--ready-file", str(ready)]
    return subprocess.Popen(argv, stderr=open(str(out) + ".log", "w"))


def merge(files) -> dict:
    return json.loads(subprocess.check_output([LOAD, "merge", "--json", *map(str, files)]))


def scenario(name, url, pid, plan, args, probe) -> dict:
    """The loads of `args.phases` against one server; `probe()` sends the idle connections' probe message."""
    results = {}
    out = WORK / name
    out.mkdir(parents=True, exist_ok=True)
    if "idle" in args.phases:
        results["idle"] = idle(url, pid, plan, args, probe, out)
        settle(pid)
    if "group" in args.phases:
        # The group: every member connected from one process, user 0 sends, latency to the last member.
        p = load(url, plan, "group", out / "group.json", args.group, 0, args.group, "127.0.0.6")
        p.wait()
        results["group"] = merge([out / "group.json"])
        settle(pid)
    if "chat" in args.phases:
        # 2-member chats: two processes, each over its own half of the users and half the rate.
        users = args.users // 2
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        procs = [load(url, plan, "chat", out / f"chat{i}.json", users, i * users, users, f"127.0.0.{i + 4}",
                      rate=args.rate // 2, duration=args.duration) for i in range(2)]
        for p in procs:
            p.wait()
        chat = merge([out / f"chat{i}.json" for i in range(2)])
        cpu = cpu_seconds(pid) - cpu0
        chat["serverCpuCores"] = cpu / (time.monotonic() - t0)
        chat["serverCpuMsPerMessage"] = 1000 * cpu / max(1, chat["received"])
        results["chat"] = chat
    return results


def idle(url, pid, plan, args, probe, out) -> dict:
    """Half the connections from each of two processes and source addresses, over the group's members: the server's
    memory and CPU while they idle, then a probe message every one of them must receive."""
    time.sleep(2)
    before, half, group = rss_kib(pid), args.connections // 2, args.group
    procs = [load(url, plan, "idle", out / f"idle{i}.json", half, 0, group, f"127.0.0.{i + 2}", duration=args.idle_hold,
                  ready=out / f"idle{i}.ready") for i in range(2)]
    deadline = time.monotonic() + 600
    while not all((out / f"idle{i}.ready").exists() for i in range(2)):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise SystemExit(f"idle connections did not come up: see {out}")
        time.sleep(0.5)
    time.sleep(5)  # settle
    after = rss_kib(pid)
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(args.idle_measure)
    idle_cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
    probe()
    for p in procs:
        p.wait()
    held = merge([out / f"idle{i}.json" for i in range(2)])
    return {"connections": held["connections"], "probed": held["probed"], "rssBeforeMiB": before / 1024,
            "rssAfterMiB": after / 1024, "kibPerConnection": (after - before) / max(1, held["connections"]),
            "idleCpuCores": idle_cpu}


def cluster(args) -> dict:
    """Idle connections spread over `args.cluster` instances on one Redis (and one MongoDB, secantusdb), then a probe
    message to the group that every connection, whichever instance holds it, must receive."""
    work = WORK / "cluster"
    work.mkdir(parents=True)
    backing = [
        subprocess.Popen([str(ROOT / ".venv/bin/secantusd-py"), "--host", "127.0.0.1", "--port", "18100", "--storage-path", ":memory:"],
                         stdout=open(work / "mongo.log", "w"), stderr=subprocess.STDOUT),
        subprocess.Popen(["redis-server", "--port", "18101", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                         stdout=open(work / "redis.log", "w"), stderr=subprocess.STDOUT),
    ]
    time.sleep(3)
    instances = []
    try:
        for i in range(args.cluster):
            data = work / f"data{i}"
            data.mkdir()
            env = {**server_env(work), "MONGO_URI": "mongodb://127.0.0.1:18100/parley", "REDIS_URL": "redis://127.0.0.1:18101/0"}
            proc = subprocess.Popen([PARLEY, "serve", "--host", "127.0.0.1", "--port", str(18110 + i), "--data-dir", str(data)],
                                    env=env, stdout=open(work / f"parley{i}.log", "w"), stderr=subprocess.STDOUT)
            instances.append(proc)
            wait_http(f"http://127.0.0.1:{18110 + i}/healthz", proc)
        plan = work / "plan.json"
        subprocess.check_call([PYTHON, str(ROOT / "scripts/bench/socket-plan.py"), "http://127.0.0.1:18110", str(args.group),
                               str(args.group), str(plan)])
        meta = json.loads(plan.read_text())
        before = [rss_kib(p.pid) for p in instances]
        procs, half = [], args.connections // 2
        for i in range(args.cluster):
            for j in range(2):
                name = f"idle{i}-{j}"
                procs.append((name, load(f"http://127.0.0.1:{18110 + i}", plan, "idle", work / f"{name}.json", half, 0, args.group,
                                         f"127.0.{i + 1}.{j + 2}", duration=args.idle_hold + 120, ready=work / f"{name}.ready")))
        deadline = time.monotonic() + 900
        while not all((work / f"{name}.ready").exists() for name, _ in procs):
            if time.monotonic() > deadline or any(p.poll() is not None for _, p in procs):
                raise SystemExit(f"cluster: idle connections did not come up: see {work}")
            time.sleep(1)
        time.sleep(5)
        after = [rss_kib(p.pid) for p in instances]
        cpu0, t0 = [cpu_seconds(p.pid) for p in instances], time.monotonic()
        time.sleep(args.idle_measure)
        idle_cpu = [(cpu_seconds(p.pid) - c) / (time.monotonic() - t0) for p, c in zip(instances, cpu0)]
        owner = meta["users"][0]
        requests.post(f"http://127.0.0.1:18110/api/messages/{meta['group']['chatId']}", json={"body": "probe"},
                      headers={"Authorization": f"Bearer {owner['token']}"}, timeout=60).raise_for_status()
        for _, p in procs:
            p.wait()
        total = merge([work / f"{name}.json" for name, _ in procs])
        return {"instances": args.cluster, "connections": total["connections"], "probed": total["probed"],
                "kibPerConnection": [(a - b) / (args.connections) for a, b in zip(after, before)],
                "rssAfterMiB": [a / 1024 for a in after], "idleCpuCores": idle_cpu}
    finally:
        for p in instances + backing:
            stop(p)


def server_env(work: Path) -> dict:
    env = {**os.environ, "PARLEY_ENV": "development", "LOG_LEVEL": "error", "RATE_LIMIT_SCALE": "10000",
           "JWT_ACCESS_SECRET": "bench-access-secret-0123456789abcdef", "JWT_REFRESH_SECRET": "bench-refresh-secret-0123456789abcdef",
           "MAIL_OUTBOX": str(work / "outbox.jsonl")}
    env.pop("REDIS_URL", None)
    env.pop("MONGO_URI", None)
    return env


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=18000)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--group", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=10000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--idle-hold", type=int, default=45)
    parser.add_argument("--idle-measure", type=int, default=20)
    parser.add_argument("--servers", default="parley,peer")
    parser.add_argument("--cluster", type=int, default=0, help="only idle connections over this many instances on Redis")
    parser.add_argument("--phases", type=lambda text: set(text.split(",")), default={"idle", "group", "chat"},
                        help="which of idle,group,chat to run")
    parser.add_argument("--pin", action="store_true", help="the server on CPU 0, the load generators on CPU 1")
    args = parser.parse_args()
    if args.pin:
        PIN.update(server=["taskset", "-c", "0"], load=["taskset", "-c", "1"])
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    if args.cluster:
        print(json.dumps(cluster(args), indent=2))
        return

    data = WORK / "data"
    data.mkdir()
    env = server_env(WORK)
    server = subprocess.Popen(PIN["server"] + [PARLEY, "serve", "--host", "127.0.0.1", "--port", "18090", "--data-dir", str(data)],
                              env=env, stdout=open(WORK / "parley.log", "w"), stderr=subprocess.STDOUT)
    url = "http://127.0.0.1:18090"
    results = {}
    try:
        wait_http(url + "/healthz", server)
        plan = WORK / "plan.json"
        started = time.monotonic()
        subprocess.check_call([PYTHON, str(ROOT / "scripts/bench/socket-plan.py"), url, str(args.users), str(args.group), str(plan)])
        print(f"plan made in {time.monotonic() - started:.0f} s", file=sys.stderr)
        meta = json.loads(plan.read_text())

        def parley_probe():
            owner = meta["users"][0]
            requests.post(f"{url}/api/messages/{meta['group']['chatId']}", json={"body": "probe"},
                          headers={"Authorization": f"Bearer {owner['token']}"}, timeout=30).raise_for_status()
            time.sleep(5)

        if "parley" in args.servers:
            results["parley"] = scenario("parley", url, server.pid, plan, args, parley_probe)
            print(json.dumps(results["parley"]), file=sys.stderr)
    finally:
        stop(server)

    if "peer" in args.servers:
        peer = subprocess.Popen(PIN["server"] + [PYTHON, str(ROOT / "scripts/bench/socketio_peer.py"), str(WORK / "plan.json"), "18091"],
                                stdout=open(WORK / "peer.log", "w"), stderr=subprocess.STDOUT)
        try:
            wait_http("http://127.0.0.1:18091/socket.io/?EIO=4&transport=polling", peer)

            def peer_probe():
                # The peer has no REST: a client of user 0 sends the probe over its socket.
                import socketio
                client = socketio.Client()
                client.connect("http://127.0.0.1:18091", transports=["websocket"], auth={"token": meta["users"][0]["token"]})
                client.call("message:send", {"chatId": meta["group"]["chatId"], "body": "probe", "tempId": "probe"}, timeout=60)
                time.sleep(5)
                client.disconnect()

            results["peer"] = scenario("peer", "http://127.0.0.1:18091", peer.pid, WORK / "plan.json", args, peer_probe)
            print(json.dumps(results["peer"]), file=sys.stderr)
        finally:
            stop(peer)
    (WORK / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

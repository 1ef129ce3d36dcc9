#!/usr/bin/env bash
# The cost of running services in their own processes: the two message routes under wrk (64 connections, 2
# threads; WARM s warm-up discarded, DUR s measured), Parley as one process, then as a gateway with the messages and
# chats services in processes of their own (messages calling chats), alternating in each of ROUNDS rounds. One local
# redis-server; SQLite seeded once, each split process on its own copy of that file as each service would own its
# database (processes sharing one SQLite file would also measure SQLite's locking between processes, which no split
# deployment has), so that the difference is the hop between processes, not the engines.
#
#   cp .build/release/parley /tmp/parley-bench     # a copy: the checkout may be rebuilt meanwhile
#   PARLEY_BIN=/tmp/parley-bench scripts/bench/split-vs-monolith.sh
#
# Prints one line per server, route and round, then the medians and the split's share of the monolith's throughput.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SEEDER=$HERE/../../../shared/bench/seed_parley.py   # seeds through the API on 127.0.0.1:18080
PARLEY_BIN=${PARLEY_BIN:?set PARLEY_BIN to a release build of parley (copy it: the checkout may be rebuilt)}
DUR=${DUR:-15}; WARM=${WARM:-3}; ROUNDS=${ROUNDS:-3}; SEED=${SEED:-10000}
OUT=${OUT:-${TMPDIR:-/tmp}/parley-split-bench}
rm -rf "$OUT"; mkdir -p "$OUT/data"
PIDS=()

export DATA_DIR=$OUT/data MAIL_OUTBOX=$OUT/data/outbox.jsonl RATE_LIMIT_SCALE=100000 LOG_LEVEL=warning HOST=127.0.0.1
export JWT_ACCESS_SECRET=bench-access-secret-0123456789abcdef0123 JWT_REFRESH_SECRET=bench-refresh-secret-0123456789abcdef01
export INTERNAL_SECRET=bench-internal-secret-0123456789abcdef01
export REDIS_URL=redis://127.0.0.1:18379/0

wait_http() { for _ in $(seq 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }
start() {   # $1 log name, then serve's arguments
    local name=$1; shift
    "$PARLEY_BIN" serve "$@" >>"$OUT/$name.log" 2>&1 &
    PIDS+=($!)
}
stop_all() {   # SIGTERM, the gateway first (last started), then SIGKILL what is still there after 5 s
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && { echo "SIGKILL $pid" >&2; kill -9 "$pid" 2>/dev/null || true; }
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
cpu_ticks() { local t=0; for pid in "${PIDS[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo $t; }
trap 'stop_all; [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID"' EXIT

redis-server --port 18379 --bind 127.0.0.1 --save "" --appendonly no >"$OUT/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 100); do redis-cli -p 18379 ping >/dev/null 2>&1 && break; sleep 0.1; done

monolith() { start monolith --port 18080; wait_http http://127.0.0.1:18080/healthz; }
split() {   # messages asks chats for membership and to record each message, over HTTP as the gateway asks messages
    for name in chats messages gateway; do rm -rf "$OUT/data-$name"; cp -r "$OUT/data" "$OUT/data-$name"; done
    DATA_DIR=$OUT/data-chats start chats --service chats --port 18092
    wait_http http://127.0.0.1:18092/healthz
    DATA_DIR=$OUT/data-messages CHATS_URL=http://127.0.0.1:18092 start messages --service messages --port 18091
    wait_http http://127.0.0.1:18091/healthz
    DATA_DIR=$OUT/data-gateway MESSAGES_URL=http://127.0.0.1:18091 CHATS_URL=http://127.0.0.1:18092 start gateway --service gateway --port 18080
    wait_http http://127.0.0.1:18080/healthz
}

monolith
python3 "$SEEDER" seed "$OUT/meta.json" "$SEED"
stop_all
CHAT=$(python3 -c "import json; print(json.load(open('$OUT/meta.json'))['chatId'])")
cat >"$OUT/post.lua" <<LUA
counter = 0
request = function()
    counter = counter + 1
    return wrk.format("POST", "/api/messages/$CHAT", {["Authorization"] = "Bearer " .. os.getenv("TOKEN"), ["Content-Type"] = "application/json"},
        '{"body":"load test message ' .. counter .. '"}')
end
LUA

for round in $(seq "$ROUNDS"); do
    for mode in monolith split; do
        $mode
        TOKEN=$(python3 "$SEEDER" login "$OUT/meta.json"); export TOKEN
        url="http://127.0.0.1:18080/api/messages/$CHAT?limit=50"
        wrk -t2 -c64 -d"${WARM}s" -H "Authorization: Bearer $TOKEN" "$url" >/dev/null
        t0=$(cpu_ticks)
        wrk -t2 -c64 -d"${DUR}s" --latency -H "Authorization: Bearer $TOKEN" "$url" >"$OUT/$mode-get-$round.txt"
        echo "$mode get $round cpu_ticks $(($(cpu_ticks) - t0))" >>"$OUT/cpu.txt"
        wrk -t2 -c64 -d"${WARM}s" -s "$OUT/post.lua" http://127.0.0.1:18080 >/dev/null
        t0=$(cpu_ticks)
        wrk -t2 -c64 -d"${DUR}s" --latency -s "$OUT/post.lua" http://127.0.0.1:18080 >"$OUT/$mode-post-$round.txt"
        echo "$mode post $round cpu_ticks $(($(cpu_ticks) - t0))" >>"$OUT/cpu.txt"
        stop_all
    done
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import re, statistics, sys
from pathlib import Path
out, rounds = Path(sys.argv[1]), int(sys.argv[2])
def read(mode, route, r):
    text = (out / f"{mode}-{route}-{r}.txt").read_text()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rps, p99, int(errors.group(1)) if errors else 0
medians = {}
for route in ("get", "post"):
    for mode in ("monolith", "split"):
        runs = [read(mode, route, r) for r in range(1, rounds + 1)]
        for r, (rps, p99, errors) in enumerate(runs, 1):
            print(f"{mode:8} {route:4} round {r}: {rps:8.0f} req/s  p99 {p99:6.1f} ms  non-2xx {errors}")
        medians[mode, route] = (statistics.median(x[0] for x in runs), statistics.median(x[1] for x in runs))
for route in ("get", "post"):
    (m_rps, m_p99), (s_rps, s_p99) = medians["monolith", route], medians["split", route]
    print(f"{route.upper():4} median: monolith {m_rps:.0f} req/s p99 {m_p99:.1f} ms; split {s_rps:.0f} req/s p99 {s_p99:.1f} ms;"
          f" split/monolith {s_rps / m_rps:.2f}")
PY

"""What an operator sees: /metrics in Prometheus text on every process, and one access-log line per request."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time

import pytest
import requests

from conftest import HTTP_TIMEOUT, api, assert_error, create_chat, expect, register, send, start_server, stop_server

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def parse_prometheus(text: str) -> list[tuple[str, dict, float]]:
    """Every sample of a Prometheus text exposition; fails on any line that is not a comment, blank or a sample."""
    samples = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = SAMPLE.match(line)
        assert match, f"line {number} is not Prometheus text: {line!r}"
        labels = {}
        rest = match.group(3) or ""
        while rest:
            label = LABEL.match(rest)
            assert label, f"line {number}: bad labels {rest!r}"
            labels[label.group(1)] = label.group(2)
            rest = rest[label.end():]
        samples.append((match.group(1), labels, float(match.group(4))))
    return samples


def metrics(url: str, **kwargs) -> list[tuple[str, dict, float]]:
    r = requests.get(url + "/metrics", timeout=HTTP_TIMEOUT, **kwargs)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers["Content-Type"]
    return parse_prometheus(r.text)


def count(samples, name: str, **labels) -> float:
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == want for k, want in labels.items()))


def test_metrics_count_requests_by_route_and_status(server):
    session, token, _ = register(server, "metered")
    before = count(metrics(server.url), "hb_requests", http_route="/api/chats", http_request_method="GET", http_response_status_code="200")
    for _ in range(3):
        expect(api(session, "GET", "/api/chats", token), 200)
    assert_error(api(session, "GET", "/api/chats", "not-a-token"), 401)
    labels = {"http_route": "/api/chats", "http_request_method": "GET", "http_response_status_code": "200"}
    samples = scrape_until(server.url, "hb_requests", at_least=before + 3, **labels)
    assert count(samples, "hb_requests", **labels) - before == 3
    assert count(samples, "hb_requests", http_route="/api/chats", http_response_status_code="401") >= 1
    # Durations are histograms per route: a bucket series and a count that agrees with the counter.
    buckets = [s for s in samples if s[0] == "http_server_request_duration_bucket" and s[1].get("http_route") == "/api/chats"]
    assert buckets and any(s[1].get("le") == "+Inf" for s in buckets)
    # The raw path never becomes a label (ids would make one series per chat); a route is named by its schema path.
    assert not any(re.search(r"[0-9a-f]{24}", l.get("http_route", "")) for _, l, _ in samples)
    assert_error(api(session, "GET", f"/api/messages/{'0' * 24}", token), 404)
    samples = scrape_until(server.url, "hb_requests", http_route="/api/messages/{chatId}", http_request_method="GET")
    assert count(samples, "hb_requests", http_route="/api/messages/{chatId}", http_request_method="GET") >= 1
    assert not any(re.search(r"\{p[0-9]+\}", l.get("http_route", "")) for _, l, _ in samples), "positional route names"

    # Store calls are timed by engine and repository method: listing chats is `chats.list`, registering `users.insert`.
    if server.mode != "split":  # there the store is called by the service processes
        engine = "mongodb" if server.mode == "scaled" else "sqlite"
        assert count(samples, "parley_store_duration_count", engine=engine, operation="chats.list") >= 3
        assert count(samples, "parley_store_duration_count", engine=engine, operation="users.insert") >= 1
        assert any(n == "parley_store_duration_bucket" and l.get("le") == "+Inf" for n, l, _ in samples)


def test_each_service_process_has_its_own_metrics(server):
    if server.mode != "split":
        pytest.skip("the split deployment's service processes")
    sa, ta, _ = register(server, "m1")
    _, _, b = register(server, "m2")
    chat = create_chat(sa, ta, [b])
    send(sa, ta, chat["_id"], "counted")
    messages = scrape_until(server.services["messages"].url, "hb_requests", http_request_method="POST", http_response_status_code="201")
    assert count(messages, "hb_requests", http_request_method="POST", http_response_status_code="201") >= 1
    assert count(messages, "parley_events_published", event="message:new") >= 1
    assert count(messages, "parley_store_duration_count", operation="messages.insert") >= 1
    # The gateway delivered it to the chat's sockets (none here) and counted the request it forwarded.
    gateway = scrape_until(server.url, "hb_requests", http_request_method="POST", http_response_status_code="201")
    assert count(gateway, "hb_requests", http_request_method="POST", http_response_status_code="201") >= 1


def scrape_until(url, name, at_least=1, timeout=5.0, **labels):
    """The metrics of `url` once the series counts `at_least`, or as they are after `timeout` seconds: a request is
    counted once its response is written, which its caller may see first."""
    deadline = time.monotonic() + timeout
    while True:
        samples = metrics(url)
        if count(samples, name, **labels) >= at_least or time.monotonic() > deadline:
            return samples
        time.sleep(0.05)


@pytest.fixture(scope="module")
def logged_server(parley_bin):
    srv = start_server(parley_bin, "embedded", {"LOG_FORMAT": "json", "LOG_LEVEL": "info", "METRICS_TOKEN": "m" * 24})
    yield srv
    stop_server(srv)


def test_access_log_lines_are_json_with_route_status_user_and_request_id(logged_server):
    session, token, me = register(logged_server, "logged")
    chat_id = "0" * 24
    r = api(session, "GET", f"/api/messages/{chat_id}", token)
    assert r.status_code in (403, 404)
    request_id = r.headers["X-Request-Id"]
    entries = []
    for _ in range(50):  # the line is written as the response goes out
        entries = [json.loads(line) for line in logged_server.log.read_text().splitlines() if line.startswith("{")]
        if any(e.get("hb.request.id") == request_id and e.get("msg") == "request" for e in entries):
            break
        time.sleep(0.1)
    entry = next(e for e in entries if e.get("hb.request.id") == request_id and e.get("msg") == "request")
    assert entry["method"] == "GET"
    assert entry["route"] == "/api/messages/{chatId}"  # the route's schema path, never the path with the id
    assert chat_id not in entry["route"]
    assert entry["status"] == str(r.status_code)
    assert entry["user"] == me["_id"]
    assert float(entry["duration_ms"]) >= 0
    assert entry["level"] == "info" and entry["time"].endswith("Z")
    # Every line the server wrote is JSON.
    text = [line for line in logged_server.log.read_text().splitlines() if line.strip()]
    assert all(line.startswith("{") for line in text), [line for line in text if not line.startswith("{")][:3]


def test_metrics_need_the_token_when_one_is_set(logged_server):
    assert_error(requests.get(logged_server.url + "/metrics", timeout=HTTP_TIMEOUT), 401)
    assert_error(requests.get(logged_server.url + "/metrics", headers={"Authorization": "Bearer " + "x" * 24}, timeout=HTTP_TIMEOUT), 401)
    assert metrics(logged_server.url, headers={"Authorization": "Bearer " + "m" * 24})


class Collector:
    """An OTLP/HTTP receiver (JSON encoding): the spans every process exports, with their process's service.name."""

    def __init__(self):
        self.spans: list[dict] = []
        self.lock = threading.Lock()
        collector = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with collector.lock:
                    for resource in body.get("resourceSpans", []):
                        attributes = {a["key"]: a["value"].get("stringValue") for a in resource["resource"]["attributes"]}
                        for scope in resource.get("scopeSpans", []):
                            for span in scope.get("spans", []):
                                collector.spans.append(dict(span, service=attributes.get("service.name")))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate, timeout: float = 15.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                spans = list(self.spans)
            if predicate(spans):
                return spans
            time.sleep(0.1)
        return spans


@pytest.fixture(scope="module")
def traced(parley_bin):
    collector = Collector()
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "100"}
    srv = start_server(parley_bin, "split", env)
    yield srv, collector
    stop_server(srv)
    collector.server.shutdown()


def test_a_request_is_one_trace_from_the_gateway_through_each_service_to_the_store(traced):
    server, collector = traced
    sa, ta, _ = register(server, "traced1")
    _, _, b = register(server, "traced2")
    chat = create_chat(sa, ta, [b])
    r = api(sa, "POST", f"/api/messages/{chat['_id']}", ta, json={"body": "followed"})
    assert r.status_code == 201

    def trace_of_the_send(spans):
        roots = [s for s in spans if s["service"] == "parley-gateway" and s["name"] == "/api/messages/{chatId}"]
        return roots and {s["service"] for s in spans if s["traceId"] == roots[-1]["traceId"]} >= {
            "parley-gateway", "parley-messages", "parley-chats", "parley-users"}

    spans = collector.wait_for(trace_of_the_send)
    roots = [s for s in spans if s["service"] == "parley-gateway" and s["name"] == "/api/messages/{chatId}"]
    assert roots, sorted({(s["service"], s["name"]) for s in spans})
    trace = [s for s in spans if s["traceId"] == roots[-1]["traceId"]]
    by_id = {s["spanId"]: s for s in trace}
    root = roots[-1]
    assert not root.get("parentSpanId")
    # The gateway's call to the messages service is a client span under its request, and the messages process's
    # request span is that call's child: the trace crossed the process boundary through `traceparent`.
    call = next(s for s in trace if s["service"] == "parley-gateway" and s.get("parentSpanId") == root["spanId"] and s["name"] == "messages POST")
    handled = next(s for s in trace if s["service"] == "parley-messages" and s.get("parentSpanId") == call["spanId"])
    assert handled["name"].startswith("/api/messages/{")
    # Inside the messages process: the message stored, then chats asked to record it, each under the request.
    insert = next(s for s in trace if s["service"] == "parley-messages" and s["name"] == "messages.insert")
    assert by_id[insert["parentSpanId"]]["spanId"] == handled["spanId"]
    recorded = next(s for s in trace if s["service"] == "parley-chats" and s["name"].endswith("/messages-stored"))
    assert by_id[recorded["parentSpanId"]]["service"] == "parley-messages"
    assert any(s["service"] == "parley-chats" and s["name"] == "chats.recordMessages" and s.get("parentSpanId") == recorded["spanId"] for s in trace)

"""Link previews: Open Graph from a local page, and every way of pointing the server at its own network refused.

The server under test may reach 127.0.0.2 only (LINK_PREVIEW_ALLOW_PRIVATE=127.0.0.2), where the test's pages
live; 127.0.0.1 and everything else private stays forbidden, so the refusals are the production ones.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import api, assert_error, expect, register, start_server, stop_server

PAGE = b"""<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="Parley &amp; friends">
<meta name="description" content="Plain description">
<meta property="og:description" content="Chat, in Swift.">
<meta property="og:image" content="/img/card.png">
<!-- <meta property="og:title" content="commented out"> -->
<script>var s = '<meta property="og:image" content="http://evil/">';</script>
</head><body><p>Hello</p></body></html>"""


class Pages(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    port = 0

    def log_message(self, *args) -> None:
        pass

    def reply(self, status: int, body: bytes = b"", type_: str = "text/html; charset=utf-8", **headers) -> None:
        self.send_response(status)
        self.send_header("Content-Type", type_)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/page":
            self.reply(200, PAGE)
        elif path == "/plain":
            self.reply(200, b"<html><head><title> Only\n a   title </title></head></html>")
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            self.reply(302, Location=f"/hop/{left - 1}" if left > 0 else "/page")
        elif path == "/to-loopback":
            self.reply(302, Location=f"http://127.0.0.1:{Pages.port}/page")
        elif path == "/to-metadata":
            self.reply(301, Location="http://169.254.169.254/latest/meta-data/")
        elif path == "/json":
            self.reply(200, b'{"title": "not html"}', "application/json")
        elif path == "/huge":
            self.reply(200, b"<html><head><title>big</title></head><body>" + b"x" * (2 * 1024 * 1024) + b"</body></html>")
        elif path == "/slow":
            time.sleep(8)
            self.reply(200, PAGE)
        else:
            self.reply(404, b"not here")


@pytest.fixture(scope="module")
def previews(parley_bin):
    pages = ThreadingHTTPServer(("127.0.0.2", 0), Pages)
    pages.daemon_threads = True
    Pages.port = pages.server_address[1]
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    srv = start_server(parley_bin, "embedded", {"LINK_PREVIEW_ALLOW_PRIVATE": "127.0.0.2"})
    session, token, _ = register(srv, "previewer")
    yield session, token, Pages.port
    stop_server(srv)
    pages.shutdown()


def preview(session, token, url: str):
    return api(session, "GET", "/api/media/link-preview", token, params={"url": url})


def test_open_graph_wins_and_the_image_is_made_absolute(previews):
    session, token, port = previews
    url = f"http://127.0.0.2:{port}/page"
    body = expect(preview(session, token, url), 200)
    assert body == {"url": url, "title": "Parley & friends", "description": "Chat, in Swift.",
                    "image": f"http://127.0.0.2:{port}/img/card.png"}
    plain = expect(preview(session, token, f"http://127.0.0.2:{port}/plain"), 200)
    assert plain == {"url": f"http://127.0.0.2:{port}/plain", "title": "Only a title"}
    # The allowed address in another spelling is the same address.
    assert expect(preview(session, token, f"http://2130706434:{port}/page"), 200)["title"] == "Parley & friends"


def test_up_to_three_redirects_are_followed(previews):
    session, token, port = previews
    assert expect(preview(session, token, f"http://127.0.0.2:{port}/hop/2"), 200)["title"] == "Parley & friends"
    assert_error(preview(session, token, f"http://127.0.0.2:{port}/hop/3"), 400)


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "0177.0.0.1", "[::1]",
                                  "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "localhost", "169.254.169.254", "10.0.0.1",
                                  "192.168.1.1", "172.16.0.1", "100.64.0.1", "224.0.0.1", "0.0.0.0", "[fe80::1]",
                                  "[fd00:ec2::254]"])
def test_private_targets_are_refused_in_every_spelling(previews, host):
    session, token, port = previews
    err = assert_error(preview(session, token, f"http://{host}:{port}/page"), 400)
    assert "refused" in err["message"] or "details" in err, err


def test_redirects_into_the_private_network_are_refused(previews):
    session, token, port = previews
    for path in ["/to-loopback", "/to-metadata"]:
        err = assert_error(preview(session, token, f"http://127.0.0.2:{port}{path}"), 400)
        assert "refused" in err["message"], err


def test_what_is_not_a_small_html_page_is_refused(previews):
    session, token, port = previews
    for path in ["/json", "/huge", "/missing"]:
        assert_error(preview(session, token, f"http://127.0.0.2:{port}{path}"), 400)
    for url in ["ftp://127.0.0.2/file", "file:///etc/passwd", "javascript:alert(1)", "http://", "not a url"]:
        assert_error(preview(session, token, url), 400)


def test_a_slow_page_times_out_after_five_seconds(previews):
    session, token, port = previews
    started = time.monotonic()
    assert_error(preview(session, token, f"http://127.0.0.2:{port}/slow"), 400)
    took = time.monotonic() - started
    assert 4.5 < took < 7.5, f"answered after {took:.1f} s"
    # Failures are cached briefly: the same URL is answered at once.
    started = time.monotonic()
    assert_error(preview(session, token, f"http://127.0.0.2:{port}/slow"), 400)
    assert time.monotonic() - started < 1


def test_previews_need_a_caller(previews):
    session, _, port = previews
    assert_error(preview(session, None, f"http://127.0.0.2:{port}/page"), 401)

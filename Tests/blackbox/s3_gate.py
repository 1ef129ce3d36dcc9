"""An S3 endpoint for the tests: moto's S3 behind a gate that checks presigned URLs as S3 does.

moto stores objects but does not verify query-string (presigned) signatures, nor their expiry. The gate
recomputes each presigned request's signature with botocore's own SigV4 query signer (the AWS SDK's code, not
Parley's) from the request as it arrives (method, path, query, the signed headers and their values), refuses a
mismatch or an expired URL with S3's 403, and forwards everything else to moto unchanged.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import boto3
import requests
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from conftest import VENV_BIN, free_port, stop_process, wait_for_port

ACCESS_KEY = "AKIDPARLEYTEST"
SECRET_KEY = "parley-test-secret-key-0123456789"
REGION = "eu-west-1"
BUCKET = "parley-media"


PINNED_CLOCK = threading.Lock()  # the patch is process-wide; the gate's threads take turns


def signature_problem(method: str, path: str, query: str, headers, skew: float = 0) -> str | None:
    """None when the presigned request is valid now (plus `skew` seconds), else S3's reason."""
    params = urllib.parse.parse_qsl(query, keep_blank_values=True)
    given = dict(params)
    if "X-Amz-Signature" not in given:
        return None  # not presigned: moto's own (header) authentication applies
    try:
        access_key, day, region, service, _ = given["X-Amz-Credential"].split("/")
        signed_at = dt.datetime.strptime(given["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
        expires = int(given["X-Amz-Expires"])
        signed_headers = given["X-Amz-SignedHeaders"].split(";")
    except (KeyError, ValueError):
        return "AuthorizationQueryParametersError"
    if access_key != ACCESS_KEY:
        return "InvalidAccessKeyId"
    if dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=skew) > signed_at + dt.timedelta(seconds=expires):
        return "Request has expired"
    unsigned = [(k, v) for k, v in params if not k.startswith("X-Amz-")]
    url = f"http://{headers['Host']}{path}" + ("?" + urllib.parse.urlencode(unsigned) if unsigned else "")
    request = AWSRequest(method=method, url=url, headers={name: headers.get(name, "") for name in signed_headers if name != "host"})
    # botocore signs "now": pin its clock to the URL's own time, or a request in a later second than the presign
    # would be refused for a signature that is right.
    with PINNED_CLOCK, mock.patch("botocore.auth.get_current_datetime", return_value=signed_at):
        S3SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET_KEY, given.get("X-Amz-Security-Token")), service, region,
                         expires=expires).add_auth(request)
    expected = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.url).query))
    if expected.get("X-Amz-SignedHeaders") != given["X-Amz-SignedHeaders"]:
        return "SignatureDoesNotMatch"
    if expected.get("X-Amz-Signature") != given["X-Amz-Signature"]:
        return "SignatureDoesNotMatch"
    return None


class S3Gate:
    def __init__(self, workdir: Path):
        self.skew = 0.0  # seconds added to the gate's clock: how a test ages a URL
        self.moto_port = free_port()
        log = workdir / "moto.log"
        self.moto = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.moto_port)],
                                     stdout=log.open("wb"), stderr=subprocess.STDOUT)
        wait_for_port(self.moto, self.moto_port, "moto_server", log)
        upstream = f"http://127.0.0.1:{self.moto_port}"
        gate = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                problem = signature_problem(self.command, path, query, self.headers, gate.skew)
                if problem is not None:
                    text = f"<Error><Code>AccessDenied</Code><Message>{problem}</Message></Error>".encode()
                    self.send_response(403)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                    return
                forwarded = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                answer = requests.request(self.command, upstream + self.path, headers=forwarded, data=body, timeout=30)
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in ("connection", "transfer-encoding", "content-length", "server", "date"):
                        self.send_header(name, value)
                length = answer.headers.get("Content-Length", "0") if self.command == "HEAD" else str(len(answer.content))
                self.send_header("Content-Length", length)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer.content)

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.client = boto3.client("s3", endpoint_url=upstream, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                                   aws_secret_access_key=SECRET_KEY, config=Config(s3={"addressing_style": "path"}))
        self.client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})

    @property
    def env(self) -> dict:
        return {"S3_BUCKET": BUCKET, "S3_REGION": REGION, "S3_ENDPOINT": self.endpoint,
                "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}

    def stop(self) -> None:
        self.server.shutdown()
        stop_process(self.moto)

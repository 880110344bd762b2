"""A local HTTPS server standing in for a schema registry behind basic auth and TLS: it checks
the credentials and answers the two Confluent API calls the project's client makes (register
a schema under a subject, fetch a schema by id). No real registry can be built here (README,
Kafka); this checks the client's side of auth and TLS only."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

USER, PASSWORD = "registry-user", "registry-pa55-for-the-test"


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_tls(d: Path) -> Path:
    """A throwaway CA (``ca.pem``) and a server certificate for 127.0.0.1 signed by it."""
    openssl(
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test CA"),
        *("-addext", "basicConstraints=critical,CA:TRUE"),
        *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
        *("-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem")),
    )
    openssl(
        *("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"),
        *("-keyout", str(d / "server.key"), "-out", str(d / "server.csr")),
    )
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    openssl(
        *("x509", "-req", "-in", str(d / "server.csr"), "-CA", str(d / "ca.pem")),
        *("-CAkey", str(d / "ca.key"), "-CAcreateserial", "-days", "1"),
        *("-extfile", str(d / "server.ext"), "-out", str(d / "server.pem")),
    )
    return d


class _Registry(BaseHTTPRequestHandler):
    """Basic auth required; POST /subjects/<s>/versions and GET /schemas/ids/<id>."""

    schemas: list[str] = []
    lock = threading.Lock()

    def _authorized(self) -> bool:
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") == expected:
            return True
        self._answer(401, {"error_code": 40101, "message": "Unauthorized"})
        return False

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        if self._authorized():
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with self.lock:
                if body["schema"] not in self.schemas:
                    self.schemas.append(body["schema"])
                schema_id = self.schemas.index(body["schema"]) + 1
            self._answer(200, {"id": schema_id})

    def do_GET(self) -> None:  # noqa: N802
        if self._authorized():
            self._answer(200, {"schema": self.schemas[int(self.path.rsplit("/", 1)[1]) - 1]})

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serving(tls: Path) -> Iterator[str]:
    """The stand-in's https URL while it serves with ``tls``'s server certificate."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls / "server.pem", tls / "server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()

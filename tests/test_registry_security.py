"""The schema registry client's basic auth and TLS, against a local HTTPS server that checks
both and answers the two Confluent API calls the client makes.

No real registry runs here (see README, Kafka: none could be built from the Maven repository
this project uses), so this shows the client's side only: it trusts the CA it is given and no
other, sends the user and password it is given, and a refusal says so without the password.
"""

from __future__ import annotations

import base64
import json
import pickle
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines.io.avro_wire import SchemaRegistry
from pipelines.io.registry_security import RegistrySecurity
from pipelines.io.secrets import Secret
from pipelines.options import ConfigurationError

USER, PASSWORD = "registry-user", "registry-pa55-for-the-test"
SCHEMA = json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Path:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it."""
    d = tmp_path_factory.mktemp("tls")
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
            self.schemas.append(body["schema"])
            self._answer(200, {"id": len(self.schemas)})

    def do_GET(self) -> None:  # noqa: N802
        if self._authorized():
            self._answer(200, {"schema": self.schemas[int(self.path.rsplit("/", 1)[1]) - 1]})

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def registry_url(tls):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls / "server.pem", tls / "server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_port}"
    server.shutdown()


def password_file(tmp_path: Path, password: str) -> Secret:
    path = tmp_path / "registry-password"
    path.write_text(password + "\n")
    return Secret(str(path), None, "--schema_registry_password_file", "--x_env")


def test_basic_auth_over_tls_with_the_given_ca(registry_url, tls, tmp_path):
    security = RegistrySecurity(USER, password_file(tmp_path, PASSWORD), str(tls / "ca.pem"))
    security.check(registry_url)
    registry = SchemaRegistry(registry_url, security=security)
    schema_id = registry.register("events-value", SCHEMA)
    assert registry.schema(schema_id)["name"] == "R"


def test_a_wrong_password_is_refused_and_not_repeated(registry_url, tls, tmp_path):
    wrong = "wrong-registry-password"
    security = RegistrySecurity(USER, password_file(tmp_path, wrong), str(tls / "ca.pem"))
    with pytest.raises(OSError, match="HTTP 401") as e:
        SchemaRegistry(registry_url, security=security).register("events-value", SCHEMA)
    assert wrong not in str(e.value) and PASSWORD not in str(e.value)


def test_a_registry_certificate_from_another_ca_is_not_trusted(registry_url, tmp_path):
    security = RegistrySecurity(USER, password_file(tmp_path, PASSWORD))  # the system's CAs
    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        SchemaRegistry(registry_url, security=security).register("events-value", SCHEMA)


def test_the_password_is_in_no_repr_or_pickle(tmp_path):
    security = RegistrySecurity(USER, password_file(tmp_path, PASSWORD))
    assert PASSWORD not in repr(security)
    assert PASSWORD.encode() not in pickle.dumps(security)
    assert security.headers()["Authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("security", "url", "message"),
    [
        (RegistrySecurity(username=USER), None, "--schema_registry_username needs"),
        (RegistrySecurity(username=USER), "https://r", "go together"),
        (RegistrySecurity(cafile="/no/such/ca.pem"), "http://r", "need an https://"),
        (RegistrySecurity(cafile="/no/such/ca.pem"), "https://r", "cannot use /no/such/ca.pem"),
    ],
)
def test_registry_options_that_do_not_fit(security, url, message):
    with pytest.raises(ConfigurationError, match=message):
        security.check(url)

"""The schema registries of the tests: Apicurio Registry from ``deploy/local/registry.sh``,
plain on REGISTRY_PORT (default 8781) and, started with REGISTRY_TLS_PORT, behind its TLS
front (nginx: HTTPS with basic auth), whose CA, user and password the script leaves in
REGISTRY_SECURITY_DIR. When a registry does not answer, the tests fail (never skip) and say
how to start it."""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.io.registry_security import RegistrySecurity
from pipelines.io.secrets import Secret

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("REGISTRY_PORT", "8781"))
REGISTRY = os.environ.get("SCHEMA_REGISTRY_URL", f"http://127.0.0.1:{PORT}/apis/ccompat/v7")
CACHE = Path(os.environ.get("REGISTRY_CACHE_DIR", ROOT / ".cache" / "registry"))
SECURITY_DIR = Path(
    os.environ.get("REGISTRY_SECURITY_DIR", CACHE / f"registry-{PORT}" / "security")
)
HOW_TO_START = (
    "start it with REGISTRY_TLS_PORT=8782 deploy/local/registry.sh start "
    "(make services does), or set REGISTRY_PORT / SCHEMA_REGISTRY_URL / REGISTRY_SECURITY_DIR"
)


def call(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    """The plain registry's HTTP status and JSON answer."""
    req = urllib.request.Request(
        REGISTRY + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def require_registry() -> None:
    try:
        call("GET", "/subjects")
    except OSError as e:
        pytest.fail(f"no schema registry answers at {REGISTRY} ({e!r}): {HOW_TO_START}", False)


@dataclass(frozen=True)
class SecuredRegistry:
    """The registry behind the TLS front, and what a client needs to use it."""

    url: str
    user: str
    password_file: Path
    cafile: str

    @property
    def password(self) -> str:
        return self.password_file.read_text().splitlines()[0]

    def security(self, password_file: Path | None = None, own_ca: bool = True) -> RegistrySecurity:
        """The client's settings for it: its password file or another one; its CA, or the
        system's CAs only."""
        secret = Secret(
            str(password_file or self.password_file),
            None,
            "--schema_registry_password_file",
            "--schema_registry_password_env",
        )
        return RegistrySecurity(self.user, secret, self.cafile if own_ca else None)


def secured_registry() -> SecuredRegistry:
    """The TLS front's settings, or a test failure saying how to start it."""
    folder = SECURITY_DIR
    if not (folder / "url").is_file():
        pytest.fail(f"no secured schema registry in {folder}: {HOW_TO_START}", False)
    registry = SecuredRegistry(
        (folder / "url").read_text().strip(),
        (folder / "user").read_text().strip(),
        folder / "password",
        str(folder / "ca.pem"),
    )
    context = ssl.create_default_context(cafile=registry.cafile)
    try:
        urllib.request.urlopen(registry.url + "/subjects", timeout=10, context=context)
    except urllib.error.HTTPError as e:
        if e.code != 401:  # it answers, and asks for the password as it should
            raise
    except OSError as e:
        pytest.fail(f"the secured registry at {registry.url} fails ({e!r}): {HOW_TO_START}", False)
    return registry

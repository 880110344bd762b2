"""The schema registry client's basic auth and TLS, against the real registry behind its TLS
front (Apicurio Registry behind nginx, HTTPS with basic auth: deploy/local/registry.sh with
REGISTRY_TLS_PORT; see registry_helpers).

The client trusts the CA it is given and no other, sends the user and password it is given,
and a refusal says so without the password.
"""

from __future__ import annotations

import json
import pickle
import uuid
from pathlib import Path

import pytest
from registry_helpers import secured_registry

from pipelines.io.avro_wire import SchemaRegistry
from pipelines.io.registry_security import RegistrySecurity
from pipelines.io.secrets import Secret
from pipelines.options import ConfigurationError

SCHEMA = json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})
USER, PASSWORD = "registry-user", "registry-pa55-for-the-test"  # for the tests of no server


@pytest.fixture(scope="module")
def registry():
    return secured_registry()


def password_file(tmp_path: Path, password: str) -> Path:
    path = tmp_path / "registry-password"
    path.write_text(password + "\n")
    return path


def subject() -> str:
    return f"test-{uuid.uuid4().hex[:10]}-value"


@pytest.mark.registry
def test_basic_auth_over_tls_with_the_given_ca(registry):
    security = registry.security()
    security.check(registry.url)
    client = SchemaRegistry(registry.url, security=security)
    schema_id = client.register(subject(), SCHEMA)
    assert client.schema(schema_id)["name"] == "R"


@pytest.mark.registry
def test_a_wrong_password_is_refused_and_not_repeated(registry, tmp_path):
    wrong = "wrong-registry-password"
    security = registry.security(password_file(tmp_path, wrong))
    with pytest.raises(OSError, match="HTTP 401") as e:
        SchemaRegistry(registry.url, security=security).register(subject(), SCHEMA)
    assert wrong not in str(e.value) and registry.password not in str(e.value)


@pytest.mark.registry
def test_a_registry_certificate_from_another_ca_is_not_trusted(registry):
    security = registry.security(own_ca=False)  # the system's CAs
    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        SchemaRegistry(registry.url, security=security).register(subject(), SCHEMA)


def test_the_password_is_in_no_repr_or_pickle(tmp_path):
    secret = Secret(str(password_file(tmp_path, PASSWORD)), None, "--x_file", "--x_env")
    security = RegistrySecurity(USER, secret)
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

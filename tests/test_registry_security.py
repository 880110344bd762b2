"""The schema registry client's basic auth and TLS, against a local HTTPS server that checks
both (tests/registry_standin.py; no real registry runs here).

The client trusts the CA it is given and no other, sends the user and password it is given,
and a refusal says so without the password.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from registry_standin import PASSWORD, USER, make_tls, serving

from pipelines.io.avro_wire import SchemaRegistry
from pipelines.io.registry_security import RegistrySecurity
from pipelines.io.secrets import Secret
from pipelines.options import ConfigurationError

SCHEMA = json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Path:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def registry_url(tls):
    with serving(tls) as url:
        yield url


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

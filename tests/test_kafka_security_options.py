"""The TLS and SASL options without a broker: what fits together, where the password is read,
and that it is in no repr, pickle or --help. (tests/test_kafka_security.py: against a broker.)"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.io.kafka_clients import PLAINTEXT, KafkaSecurity
from pipelines.options import ConfigurationError, add_kafka_security_arguments
from pipelines.run import check_kafka

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "s3cret-pa55word-for-the-test"


def security(*argv: str, dashes: bool = False) -> KafkaSecurity:
    parser = argparse.ArgumentParser()
    add_kafka_security_arguments(parser, dashes=dashes)
    return KafkaSecurity.from_options(parser.parse_args(list(argv)), dashes=dashes)


@pytest.fixture
def password_file(tmp_path) -> Path:
    path = tmp_path / "password"
    path.write_text(PASSWORD + "\n")
    return path


def scram(password_file: Path, *more: str) -> KafkaSecurity:
    return security(
        "--kafka_security_protocol=SASL_SSL",
        "--kafka_sasl_mechanism=SCRAM-SHA-512",
        "--kafka_sasl_username=pipeline",
        f"--kafka_sasl_password_file={password_file}",
        *more,
    )


def test_no_option_changes_nothing():
    default = security()
    assert default == PLAINTEXT
    assert default.client_config() == {}
    default.check()


def test_the_password_is_read_when_a_client_is_made_and_never_carried(password_file):
    settings = scram(password_file)
    settings.check()
    config = settings.client_config()
    assert config["sasl_plain_password"] == PASSWORD
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["ssl_check_hostname"] is True
    assert PASSWORD not in repr(settings)
    assert PASSWORD.encode() not in pickle.dumps(settings)
    # A rotated secret is picked up by the next client.
    password_file.write_text("rotated\n")
    assert settings.client_config()["sasl_plain_password"] == "rotated"


def test_the_password_from_an_environment_variable(monkeypatch):
    monkeypatch.setenv("TEST_KAFKA_PASSWORD", PASSWORD)
    settings = security(
        "--kafka-security-protocol=SASL_PLAINTEXT",
        "--kafka-sasl-mechanism=PLAIN",
        "--kafka-sasl-username=pipeline",
        "--kafka-sasl-password-env=TEST_KAFKA_PASSWORD",
        dashes=True,
    )
    settings.check()
    assert settings.client_config()["sasl_plain_password"] == PASSWORD
    assert "ssl_cafile" not in settings.client_config()
    monkeypatch.delenv("TEST_KAFKA_PASSWORD")
    with pytest.raises(ConfigurationError, match="--kafka-sasl-password-env: the environment"):
        settings.check()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--kafka_security_protocol=SASL_SSL"], "SASL_SSL needs --kafka_sasl_mechanism"),
        (
            ["--kafka_security_protocol=SASL_SSL", "--kafka_sasl_mechanism=PLAIN"],
            "needs --kafka_sasl_username and --kafka_sasl_password_file or",
        ),
        (["--kafka_sasl_mechanism=PLAIN"], "--kafka_sasl_mechanism has no effect with"),
        (["--kafka_sasl_username=u"], "--kafka_sasl_username has no effect with"),
        (["--kafka_ssl_cafile=ca.pem"], "--kafka_ssl_cafile has no effect with"),
        (
            ["--kafka_security_protocol=SSL", "--kafka_ssl_keyfile=k.pem"],
            "--kafka_ssl_keyfile needs --kafka_ssl_certfile",
        ),
        (
            ["--kafka_security_protocol=SSL", "--kafka_ssl_cafile=/no/such/ca.pem"],
            "--kafka_ssl_cafile: no such file: /no/such/ca.pem",
        ),
    ],
)
def test_options_that_do_not_fit_together(argv, message):
    with pytest.raises(ConfigurationError, match=message):
        security(*argv).check()


def test_one_place_for_the_password(password_file):
    with pytest.raises(ConfigurationError, match="give one place for the password"):
        scram(password_file, "--kafka_sasl_password_env=X")


def test_unreadable_or_empty_password_files(tmp_path):
    with pytest.raises(ConfigurationError, match="cannot read .*No such file"):
        scram(tmp_path / "missing").check()
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ConfigurationError, match="holds no password"):
        scram(tmp_path / "empty").check()


def test_files_that_are_no_certificate(tmp_path, password_file):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(ConfigurationError, match="--kafka_ssl_cafile .*no PEM certificate"):
        scram(password_file, f"--kafka_ssl_cafile={junk}").check()
    with pytest.raises(ConfigurationError, match="--kafka_ssl_certfile .*no PEM certificate"):
        scram(password_file, f"--kafka_ssl_certfile={junk}").check()


def test_an_encrypted_client_key_fails_instead_of_prompting(tmp_path, password_file):
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-days", "1", "-subj", "/CN=c"]
        + ["-passout", "pass:key-pass", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    settings = scram(password_file, f"--kafka_ssl_certfile={cert}", f"--kafka_ssl_keyfile={key}")
    with pytest.raises(ConfigurationError, match="with its unencrypted key"):
        settings.check()


def test_the_start_check_refuses_bad_options_before_connecting():
    # Nothing listens on port 1: the options are checked before any connection.
    with pytest.raises(ConfigurationError, match="needs --kafka_sasl_mechanism"):
        check_kafka("127.0.0.1:1", None, security("--kafka_security_protocol=SASL_SSL"))


@pytest.mark.parametrize("command", ["run", "produce", "consume"])
def test_help_lists_the_security_options_and_no_secret(command, password_file):
    env = {"PATH": "/usr/bin:/bin", "TEST_KAFKA_PASSWORD": PASSWORD}
    argv = [sys.executable, "-m", f"pipelines.{command}", "--help"]
    if command == "run":
        argv.append(f"--kafka_sasl_password_file={password_file}")
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    sep = "_" if command == "run" else "-"
    for dest in ("security_protocol", "sasl_mechanism", "sasl_password_file", "ssl_cafile"):
        assert f"--kafka{sep}{dest.replace('_', sep)}" in proc.stdout
    assert PASSWORD not in proc.stdout + proc.stderr

"""The pipeline and its tools against a secured broker: TLS with SASL (SCRAM, PLAIN) and
mutual TLS, the way managed and in-house production clusters are set up.

The broker is our own (deploy/local/kafka.sh on port $SECURITY_KAFKA_PORT, default 9392, with
a SASL_SSL listener on port + 2 and a mutual-TLS SSL listener on port + 3), started here when it
does not run (`make services` starts it) and stopped after the module when started here. Its
throwaway CA, client certificate and the SASL user's password are read from its security
folder. Checked: a whole run through SASL_SSL (SCRAM-SHA-512, the password from a file; the
tools with SCRAM-SHA-256 and the password from an environment variable), every mechanism,
client certificates; a wrong password, an untrusted certificate and a missing client
certificate fail at start with exit status 2 and say why; no secret in logs, output files,
dead letters or topics.
"""

from __future__ import annotations

import dataclasses
import glob
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kafka.admin import NewTopic
from kafka.structs import TopicPartition
from registry_helpers import SecuredRegistry, secured_registry

from pipelines.consume import consume
from pipelines.io.avro_wire import framing
from pipelines.io.kafka_clients import KafkaSecurity, admin, consumer, producer
from pipelines.io.secrets import Secret
from pipelines.options import ConfigurationError
from pipelines.produce import produce
from pipelines.run import check_kafka

pytestmark = [pytest.mark.kafka, pytest.mark.security]

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("SECURITY_KAFKA_PORT", "9392"))
CACHE = Path(os.environ.get("KAFKA_CACHE_DIR", ROOT / ".cache" / "kafka"))
SECURITY_DIR = Path(os.environ.get("KAFKA_SECURITY_DIR", CACHE / f"broker-{PORT}" / "security"))
PASSWORD_ENV = "TEST_KAFKA_SASL_PASSWORD"
STARTED = "starting the pipeline"
MALFORMED = b"{truncated json"


def kafka_sh(command: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "KAFKA_PORT": str(PORT),
        "KAFKA_SASL_SSL_PORT": str(PORT + 2),
        "KAFKA_SSL_PORT": str(PORT + 3),
        "KAFKA_SECURITY_DIR": str(SECURITY_DIR),
    }
    return subprocess.run(
        [str(ROOT / "deploy" / "local" / "kafka.sh"), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


class Broker:
    """The secured listeners and what a client needs to use them."""

    def __init__(self, folder: Path) -> None:
        listeners = dict(
            line.split("=", 1) for line in (folder / "listeners.env").read_text().splitlines()
        )
        self.folder = folder
        self.sasl_ssl = listeners["SASL_SSL"]
        self.ssl = listeners["SSL"]
        self.user = listeners["USER"]
        self.password = (folder / "password").read_text().splitlines()[0]

    def scram(self, mechanism: str = "SCRAM-SHA-512", **changes) -> KafkaSecurity:
        settings = {
            "protocol": "SASL_SSL",
            "sasl_mechanism": mechanism,
            "username": self.user,
            "password": self.password_file(self.folder / "password"),
            "cafile": str(self.folder / "ca.pem"),
            **changes,
        }
        return KafkaSecurity(**settings)

    def mutual_tls(self, with_certificate: bool = True) -> KafkaSecurity:
        files = {"certfile": None, "keyfile": None}
        if with_certificate:
            files = {
                "certfile": str(self.folder / "client.pem"),
                "keyfile": str(self.folder / "client.key"),
            }
        return KafkaSecurity(protocol="SSL", cafile=str(self.folder / "ca.pem"), **files)

    @staticmethod
    def password_file(path: Path) -> Secret:
        return Secret(str(path), None, "--kafka_sasl_password_file", "--kafka_sasl_password_env")

    def options(self, mechanism: str = "SCRAM-SHA-512", password_file: Path | None = None):
        """The pipeline's command-line options for the SASL_SSL listener."""
        return [
            f"--kafka_bootstrap_servers={self.sasl_ssl}",
            "--kafka_security_protocol=SASL_SSL",
            f"--kafka_sasl_mechanism={mechanism}",
            f"--kafka_sasl_username={self.user}",
            f"--kafka_sasl_password_file={password_file or self.folder / 'password'}",
            f"--kafka_ssl_cafile={self.folder / 'ca.pem'}",
        ]


@pytest.fixture(scope="module")
def broker() -> Broker:
    started = kafka_sh("status").returncode != 0
    if started:
        proc = kafka_sh("start")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (SECURITY_DIR / "listeners.env").is_file(), (
        f"the broker on port {PORT} runs without secured listeners ({SECURITY_DIR} is "
        "missing): stop it and start it with KAFKA_SASL_SSL_PORT and KAFKA_SSL_PORT"
    )
    yield Broker(SECURITY_DIR)
    if started:
        kafka_sh("stop")


def create_topics(broker: Broker, security: KafkaSecurity, *prefixes: str) -> list[str]:
    names = [f"sec-{p}-{uuid.uuid4().hex[:10]}" for p in prefixes]
    client = admin(broker.sasl_ssl, security)
    try:
        client.create_topics([NewTopic(n, 1, 1) for n in names])
    finally:
        client.close()
    return names


def run_cli(argv: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.run", *argv],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.registry
def test_the_pipeline_end_to_end_over_sasl_ssl(broker, seeds_dir, tmp_path):
    # The schema registry behind basic auth and TLS: the real one behind its TLS front.
    run_end_to_end(broker, seeds_dir, tmp_path, secured_registry())


def run_end_to_end(broker, seeds_dir, tmp_path, registry: SecuredRegistry) -> None:
    registry_url, registry_security = registry.url, registry.security()
    security = broker.scram()
    source, events, dead = create_topics(broker, security, "articles", "events", "dead")
    sent, _ = produce(broker.sasl_ssl, source, [str(seeds_dir)], security)
    client = producer(broker.sasl_ssl, security, acks="all")
    client.send(source, MALFORMED).get(timeout=30)
    client.close()

    out = tmp_path / "out"
    group = f"g-sec-{uuid.uuid4().hex[:8]}"
    proc = run_cli(
        [
            *broker.options("SCRAM-SHA-512"),
            f"--input_topic={source}",
            f"--consumer_group={group}",
            "--kafka_bounded",
            f"--output_topic={events}",
            f"--dead_letter_topic={dead}",
            f"--output_dir={out}",
            f"--schema_registry_url={registry_url}",
            f"--schema_registry_username={registry_security.username}",
            f"--schema_registry_password_file={registry_security.password.file}",
            f"--schema_registry_cafile={registry_security.cafile}",
        ]
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "balanced" in proc.stdout
    events_written = int(
        next(ln for ln in proc.stdout.splitlines() if "events written" in ln)
        .split()[-1]
        .replace(",", "")
    )

    # The tools over the same listener: SCRAM-SHA-256, the password from the environment.
    os.environ[PASSWORD_ENV] = broker.password
    try:
        by_env = broker.scram(
            "SCRAM-SHA-256",
            password=Secret(None, PASSWORD_ENV, "--kafka-sasl-password-file", "--x-env"),
        )
        event_msgs, dead_msgs = (
            list(
                consume(
                    broker.sasl_ssl,
                    topic,
                    schema,
                    registry_url,
                    idle_timeout=3,
                    security=by_env,
                    registry_security=registry_security,
                )
            )
            for topic, schema in ((events, "event"), (dead, "dead_letter"))
        )
    finally:
        del os.environ[PASSWORD_ENV]
    assert [m.error for m in event_msgs + dead_msgs if m.error] == []
    assert len(event_msgs) == events_written > 0
    assert [m.record["payload"] for m in dead_msgs] == [MALFORMED]
    # Written in the Confluent wire format with the ids the registry gave.
    raw = consumer(broker.sasl_ssl, None, security)
    try:
        tp = TopicPartition(events, 0)
        raw.assign([tp])
        raw.seek_to_beginning(tp)
        batch = {}
        for _ in range(10):
            batch = batch or raw.poll(timeout_ms=1000)
        assert {framing(m.value) for m in batch[tp]} == {"confluent"}
    finally:
        raw.close()

    # The offset committer went through the listener too: committed up to the end.
    reader = consumer(broker.sasl_ssl, group, security)
    try:
        assert reader.committed(TopicPartition(source, 0)) == sent + 1
    finally:
        reader.close()

    # No secret in the logs, the output files or the dead letters.
    files = glob.glob(str(out / "*.avro"))
    assert any("dead_letters" in f for f in files)
    for secret in (broker.password, registry.password):
        assert secret not in proc.stdout + proc.stderr
        assert all(secret.encode() not in Path(f).read_bytes() for f in files)
        assert all(secret not in repr(m.record) for m in dead_msgs)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_each_sasl_mechanism(broker, mechanism):
    security = broker.scram(mechanism)
    (topic,) = create_topics(broker, security, mechanism.lower())
    check_kafka(broker.sasl_ssl, topic, security)


def test_no_secret_in_kafka_pythons_debug_log(broker, caplog):
    # kafka-python logs a client's configuration, the password with it, at DEBUG.
    caplog.set_level(logging.DEBUG)
    admin(broker.sasl_ssl, broker.scram("PLAIN")).close()
    assert broker.password not in caplog.text


def test_mutual_tls_with_a_client_certificate(broker, seeds_dir):
    security = broker.mutual_tls()
    check_kafka(broker.ssl, None, security)
    topic = f"sec-mtls-{uuid.uuid4().hex[:10]}"
    sent, _ = produce(broker.ssl, topic, [str(seeds_dir)], security)
    reader = consumer(broker.ssl, None, security)
    try:
        tp = TopicPartition(topic, 0)
        assert reader.end_offsets([tp])[tp] == sent > 0
    finally:
        reader.close()


def test_hostname_checking(broker):
    # "127.1" reaches 127.0.0.1, but the broker's certificate names 127.0.0.1 and localhost.
    elsewhere = "127.1:" + broker.ssl.rsplit(":", 1)[1]
    with pytest.raises(ConfigurationError, match="does not name the host .*Hostname mismatch"):
        check_kafka(elsewhere, None, broker.mutual_tls())
    check_kafka(elsewhere, None, dataclasses.replace(broker.mutual_tls(), check_hostname=False))


def test_no_client_certificate_fails_the_start_check(broker):
    with pytest.raises(ConfigurationError, match="refused the TLS connection .*client certif"):
        check_kafka(broker.ssl, None, broker.mutual_tls(with_certificate=False))


def test_a_wrong_password_fails_at_start_with_exit_2(broker, tmp_path):
    wrong = tmp_path / "wrong-password"
    wrong_password = f"wrong-{uuid.uuid4().hex}"
    wrong.write_text(wrong_password + "\n")
    out = tmp_path / "out"
    proc = run_cli(
        [*broker.options("SCRAM-SHA-512", wrong), "--output_topic=x", f"--output_dir={out}"]
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"cannot connect to Kafka at {broker.sasl_ssl}" in proc.stderr
    assert "SASL authentication failed (wrong user or password?)" in proc.stderr
    assert STARTED not in proc.stderr and not out.exists()
    output = proc.stdout + proc.stderr
    assert wrong_password not in output and broker.password not in output


def test_an_untrusted_certificate_fails_at_start_with_exit_2(broker, tmp_path):
    # A CA of our own that did not sign the broker's certificate.
    other_ca = tmp_path / "other-ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=another CA", "-keyout", str(tmp_path / "k"), "-out", str(other_ca)],
        check=True,
        capture_output=True,
    )
    argv = [a for a in broker.options() if not a.startswith("--kafka_ssl_cafile")]
    proc = run_cli([*argv, f"--kafka_ssl_cafile={other_ca}", "--output_topic=x"])
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "the broker's TLS certificate is not trusted" in proc.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in proc.stderr
    assert STARTED not in proc.stderr and broker.password not in proc.stdout + proc.stderr

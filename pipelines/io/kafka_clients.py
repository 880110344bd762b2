"""Kafka clients of the pipeline and its tools: shared settings, security, and what a client
that cannot connect says.

``KafkaSecurity`` holds the TLS and SASL options (``options.add_kafka_security_arguments``)
and turns them into kafka-python's keyword arguments in one place, ``client_config``; every
producer, consumer and admin client is made with them. It pickles without the password (only
where it is kept), which ``client_config`` reads on the worker that makes the client.
"""

from __future__ import annotations

import contextlib
import logging
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from pipelines.io.secrets import Secret
from pipelines.io.tls import TlsFileError, tls_context
from pipelines.options import ConfigurationError, option_name

CLIENT_ID = "news-event-pipeline"
# How long a client waits out an unreachable broker (bootstrap, delivery) before failing,
# and the longest pause between its reconnection attempts.
OUTAGE_TOLERANCE_MS = 120_000
RECONNECT_BACKOFF_MAX_MS = 5_000
_TLS = ("SSL", "SASL_SSL")
_SASL = ("SASL_PLAINTEXT", "SASL_SSL")


@dataclass(frozen=True)
class KafkaSecurity:
    """How clients authenticate to the brokers and encrypt; the default is PLAINTEXT.

    ``dashes``: the options were given in produce's and consume's style (``--kafka-...``),
    for messages.
    """

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    username: str | None = None
    password: Secret | None = None
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    check_hostname: bool = True
    dashes: bool = field(default=False, compare=False)

    @classmethod
    def from_options(cls, opts: Any, dashes: bool = False) -> KafkaSecurity:
        """From parsed options (the pipeline's, or produce's and consume's argparse ones)."""
        return cls(
            protocol=opts.kafka_security_protocol or "PLAINTEXT",
            sasl_mechanism=opts.kafka_sasl_mechanism,
            username=opts.kafka_sasl_username,
            password=Secret.from_options(opts, "kafka_sasl_password", dashes),
            cafile=opts.kafka_ssl_cafile,
            certfile=opts.kafka_ssl_certfile,
            keyfile=opts.kafka_ssl_keyfile,
            check_hostname=opts.kafka_ssl_check_hostname,
            dashes=dashes,
        )

    def _name(self, dest: str) -> str:
        return option_name(dest, self.dashes)

    def check(self) -> None:
        """Raise ConfigurationError for options that do not fit together, files that cannot
        be read or are no certificate or key, and a password that is not where it is said to
        be (read once, not kept)."""
        protocol = f"{self._name('kafka_security_protocol')} {self.protocol}"
        sasl = self.protocol in _SASL
        if sasl and not self.sasl_mechanism:
            raise ConfigurationError(f"{protocol} needs {self._name('kafka_sasl_mechanism')}")
        if sasl and not (self.username and self.password):
            raise ConfigurationError(
                f"{protocol} needs {self._name('kafka_sasl_username')} and "
                f"{self._name('kafka_sasl_password_file')} or "
                f"{self._name('kafka_sasl_password_env')}"
            )
        given = {
            "kafka_sasl_mechanism": self.sasl_mechanism and not sasl,
            "kafka_sasl_username": self.username and not sasl,
            "kafka_sasl_password_file": self.password and self.password.file and not sasl,
            "kafka_sasl_password_env": self.password and self.password.env and not sasl,
            "kafka_ssl_cafile": self.cafile and self.protocol not in _TLS,
            "kafka_ssl_certfile": self.certfile and self.protocol not in _TLS,
            "kafka_ssl_keyfile": self.keyfile and self.protocol not in _TLS,
        }
        for dest, unused in given.items():
            if unused:
                raise ConfigurationError(f"{self._name(dest)} has no effect with {protocol}")
        if self.keyfile and not self.certfile:
            raise ConfigurationError(
                f"{self._name('kafka_ssl_keyfile')} needs {self._name('kafka_ssl_certfile')}"
            )
        if self.password:
            self.password.reveal()
        if self.protocol in _TLS:
            self._check_tls_files()

    def _check_tls_files(self) -> None:
        for dest, path in (
            ("kafka_ssl_cafile", self.cafile),
            ("kafka_ssl_certfile", self.certfile),
            ("kafka_ssl_keyfile", self.keyfile),
        ):
            if path and not Path(path).is_file():
                raise ConfigurationError(f"{self._name(dest)}: no such file: {path}")
        try:
            tls_context(self.cafile, self.certfile, self.keyfile)
        except TlsFileError as e:
            if not isinstance(e.error, ssl.SSLError):
                raise e.error from None  # a file that exists but cannot be opened
            if e.which == "cafile":
                raise ConfigurationError(
                    f"{self._name('kafka_ssl_cafile')} {self.cafile}: no PEM certificate "
                    f"({e.error.reason or e.error})"
                ) from None
            raise ConfigurationError(
                f"{self._name('kafka_ssl_certfile')} {self.certfile}: no PEM certificate with "
                f"its unencrypted key ({e.error.reason or e.error})"
            ) from None

    def client_config(self) -> dict[str, Any]:
        """kafka-python's keyword arguments of these settings (none for plain PLAINTEXT);
        reads the password now."""
        config: dict[str, Any] = {}
        if self.protocol != "PLAINTEXT":
            config["security_protocol"] = self.protocol
        if self.protocol in _SASL:
            _keep_kafka_debug_off()
            config["sasl_mechanism"] = self.sasl_mechanism
            config["sasl_plain_username"] = self.username
            config["sasl_plain_password"] = self.password.reveal() if self.password else None
        if self.protocol in _TLS:
            config["ssl_cafile"] = self.cafile
            config["ssl_certfile"] = self.certfile
            config["ssl_keyfile"] = self.keyfile
            config["ssl_check_hostname"] = self.check_hostname
        return config

    def describe(self) -> str:
        """The settings in a few words, for messages (no secret)."""
        if self.protocol in _SASL:
            return f"{self.protocol}, {self.sasl_mechanism} as {self.username}"
        return self.protocol


PLAINTEXT = KafkaSecurity()


def _keep_kafka_debug_off() -> None:
    """kafka-python logs a client's whole configuration, the SASL password with it, and PLAIN's
    login bytes at DEBUG: while a password is in use, its loggers log from INFO up."""
    kafka_log = logging.getLogger("kafka")
    if kafka_log.getEffectiveLevel() < logging.INFO:
        kafka_log.setLevel(logging.INFO)


def consumer(
    bootstrap_servers: str, group: str | None, security: KafkaSecurity = PLAINTEXT
) -> KafkaConsumer:
    """A consumer that never commits by itself and rides out broker outages."""
    return KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id=CLIENT_ID,
        bootstrap_timeout_ms=OUTAGE_TOLERANCE_MS,
        reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
        **security.client_config(),
    )


def producer(
    bootstrap_servers: str, security: KafkaSecurity = PLAINTEXT, **config
) -> KafkaProducer:
    """A producer with ``config`` (kafka-python's keyword arguments) and the security's."""
    return KafkaProducer(bootstrap_servers=bootstrap_servers, **config, **security.client_config())


def admin(
    bootstrap_servers: str, security: KafkaSecurity = PLAINTEXT, **config
) -> KafkaAdminClient:
    """An admin client with ``config`` and the security's."""
    return KafkaAdminClient(
        bootstrap_servers=bootstrap_servers, **config, **security.client_config()
    )


# kafka-python logs why a connection failed and raises only "Unable to bootstrap": the
# causes worth telling a user, from its log messages, best first.
_CAUSES = (
    (
        re.compile(r"SaslAuthenticationFailedError: (?:SaslAuthenticationFailedError: )?(.*)"),
        "SASL authentication failed (wrong user or password?): {}",
    ),
    (re.compile(r"UnsupportedSaslMechanismError: (.*)"), "{}"),
    (
        re.compile(r"Handshake failed: (.*Hostname mismatch.*)"),
        "the broker's TLS certificate does not name the host connected to (connect by a name "
        "it holds, or set {check_hostname} false): {}",
    ),
    (
        re.compile(r"Handshake failed: (.*CERTIFICATE_VERIFY_FAILED.*)"),
        "the broker's TLS certificate is not trusted (is the CA that signed it the {cafile}?): {}",
    ),
    (
        re.compile(r"(\[SSL: \w*ALERT\w*\].*)"),
        "the broker refused the TLS connection (does it require a client certificate, "
        "{certfile}, signed by a CA it trusts?): {}",
    ),
    (
        re.compile(r"(IllegalSaslStateError.*)"),
        "the listener takes no SASL handshake ({}): does {protocol} match the listener?",
    ),
    (re.compile(r"Handshake failed: (.*)"), "TLS handshake failed: {}"),
    (re.compile(r"(\[SSL: .*)"), "TLS failed: {}"),
)
# A broker that refuses a SASL login often closes the connection without the error response,
# so a SASL client whose connections are closed after the TLS handshake is told that.
_CLOSED = re.compile(r"Connection lost: .*(socket disconnected)")
_CLOSED_SASL = (
    "SASL authentication failed (wrong user or password?): the broker closed the "
    "connection during authentication ({})"
)
_CLOSED_OTHER = "the broker closed the connection ({}): does {protocol} match the listener?"


class _Causes(logging.Handler):
    """Collects kafka-python's error messages while a client connects."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def explain(self, security: KafkaSecurity) -> str | None:
        options = {
            "cafile": option_name("kafka_ssl_cafile", security.dashes),
            "certfile": option_name("kafka_ssl_certfile", security.dashes),
            "protocol": option_name("kafka_security_protocol", security.dashes),
            "check_hostname": option_name("kafka_ssl_check_hostname", security.dashes),
        }
        closed = _CLOSED_SASL if security.protocol in _SASL else _CLOSED_OTHER
        for pattern, text in (*_CAUSES, (_CLOSED, closed)):
            for message in reversed(self.messages):
                found = pattern.search(message)
                if found:
                    return text.format(found[1], **options)
        return None


@contextlib.contextmanager
def explained_errors(bootstrap_servers: str, security: KafkaSecurity) -> Iterator[None]:
    """Turns a KafkaError raised inside into a ConfigurationError that says why the client
    could not connect (authentication, an untrusted certificate, a closed connection), read
    from kafka-python's log, whose lines and tracebacks it keeps from the console meanwhile."""
    causes = _Causes()
    kafka_log = logging.getLogger("kafka")
    propagate = kafka_log.propagate
    kafka_log.addHandler(causes)
    kafka_log.propagate = False
    try:
        yield
    except KafkaError as e:
        where = f"at {bootstrap_servers} ({security.describe()})"
        cause = causes.explain(security)
        if cause is None:
            raise ConfigurationError(f"no Kafka broker answers {where}: {e}") from None
        raise ConfigurationError(f"cannot connect to Kafka {where}: {cause}") from None
    finally:
        kafka_log.removeHandler(causes)
        kafka_log.propagate = propagate

"""How the schema registry client authenticates (HTTP basic auth) and trusts an https
registry (a CA file, a client certificate): ``options.add_registry_security_arguments``."""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass, field
from typing import Any

from pipelines.io.secrets import Secret
from pipelines.io.tls import TlsFileError, tls_context
from pipelines.options import ConfigurationError, option_name


@dataclass(frozen=True)
class RegistrySecurity:
    """Basic-auth user and password (kept where ``password`` says), TLS files; none by default.

    Pickles without the password, which is read when a request's header is made.
    """

    username: str | None = None
    password: Secret | None = None
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    dashes: bool = field(default=False, compare=False)

    @classmethod
    def from_options(cls, opts: Any, dashes: bool = False) -> RegistrySecurity:
        """From parsed options (the pipeline's, or consume's argparse ones)."""
        return cls(
            username=opts.schema_registry_username,
            password=Secret.from_options(opts, "schema_registry_password", dashes),
            cafile=opts.schema_registry_cafile,
            certfile=opts.schema_registry_certfile,
            keyfile=opts.schema_registry_keyfile,
            dashes=dashes,
        )

    def _name(self, dest: str) -> str:
        return option_name(dest, self.dashes)

    def check(self, url: str | None) -> None:
        """ConfigurationError for options that do not fit together or files that cannot be
        used; reads the password once (not kept)."""
        given = [
            dest
            for dest, value in (
                ("schema_registry_username", self.username),
                ("schema_registry_password_file", self.password and self.password.file),
                ("schema_registry_password_env", self.password and self.password.env),
                ("schema_registry_cafile", self.cafile),
                ("schema_registry_certfile", self.certfile),
                ("schema_registry_keyfile", self.keyfile),
            )
            if value
        ]
        if given and not url:
            raise ConfigurationError(
                f"{self._name(given[0])} needs {self._name('schema_registry_url')}"
            )
        if bool(self.username) != bool(self.password):
            raise ConfigurationError(
                f"{self._name('schema_registry_username')} and "
                f"{self._name('schema_registry_password_file')} (or "
                f"{self._name('schema_registry_password_env')}) go together"
            )
        if self.keyfile and not self.certfile:
            raise ConfigurationError(
                f"{self._name('schema_registry_keyfile')} needs "
                f"{self._name('schema_registry_certfile')}"
            )
        tls_files = self.cafile or self.certfile
        if tls_files and url and not url.lower().startswith("https://"):
            raise ConfigurationError(
                f"{self._name('schema_registry_cafile')}/certfile need an https:// "
                f"{self._name('schema_registry_url')}"
            )
        if self.password:
            self.password.reveal()
        self.ssl_context()

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context of these files (None: urllib's default)."""
        if not (self.cafile or self.certfile):
            return None
        try:
            return tls_context(self.cafile, self.certfile, self.keyfile)
        except TlsFileError as found:
            e = found.error
            reason = getattr(e, "reason", None) or getattr(e, "strerror", None) or e
            raise ConfigurationError(
                f"{self._name('schema_registry_cafile')}/certfile/keyfile: cannot use "
                f"{self.cafile or ''} {self.certfile or ''}: {reason}"
            ) from None

    def headers(self) -> dict[str, str]:
        """The Authorization header of basic auth (none without a user); reads the password."""
        if not (self.username and self.password):
            return {}
        pair = f"{self.username}:{self.password.reveal()}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

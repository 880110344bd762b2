"""TLS contexts from the CA, certificate and key files that options name: the Kafka clients'
start check and the schema registry client load them the same way and word their own errors."""

from __future__ import annotations

import ssl


class TlsFileError(Exception):
    """A TLS file that cannot be used: ``which`` is ``"cafile"``, or ``"certfile"`` (the
    certificate with its key); ``error`` is what loading it raised."""

    def __init__(self, which: str, error: OSError) -> None:
        super().__init__(which, error)
        self.which = which
        self.error = error


def tls_context(cafile: str | None, certfile: str | None, keyfile: str | None) -> ssl.SSLContext:
    """A client context that trusts ``cafile`` (without one, the system's CAs) and presents
    ``certfile`` with ``keyfile`` (the key may also be in ``certfile``); TlsFileError if not."""
    try:
        context = ssl.create_default_context(cafile=cafile)
    except OSError as e:
        raise TlsFileError("cafile", e) from None
    if certfile:
        try:
            # No password: an encrypted key fails instead of OpenSSL prompting for one.
            context.load_cert_chain(certfile, keyfile, password=b"")
        except OSError as e:
            raise TlsFileError("certfile", e) from None
    return context

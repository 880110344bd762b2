"""Passwords named by where they are kept (a file, an environment variable), never by value.

Options carry the file's path or the variable's name, so the secret itself is in no command
line, no pipeline option (which runners log and ship), no pickled DoFn and no repr: it is
read where a client is made, on the worker, and handed straight to that client.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.options import ConfigurationError, option_name


@dataclass(frozen=True)
class Secret:
    """A password kept in ``file`` (its first line) or in the environment variable ``env``;
    ``file_option`` and ``env_option`` are the options that name them, for messages."""

    file: str | None
    env: str | None
    file_option: str
    env_option: str

    @classmethod
    def from_options(cls, opts: Any, dest: str, dashes: bool = False) -> Secret | None:
        """The password the options ``<dest>_file`` or ``<dest>_env`` place, or None."""
        secret = cls(
            getattr(opts, f"{dest}_file"),
            getattr(opts, f"{dest}_env"),
            option_name(f"{dest}_file", dashes),
            option_name(f"{dest}_env", dashes),
        )
        return secret or None

    def __post_init__(self) -> None:
        if self.file and self.env:
            raise ConfigurationError(
                f"{self.file_option} and {self.env_option}: give one place for the password"
            )

    def __bool__(self) -> bool:
        return bool(self.file or self.env)

    def reveal(self) -> str:
        """The password, read now; ConfigurationError when its file or variable has none."""
        if self.file:
            try:
                text = Path(self.file).read_text(encoding="utf-8")
            except (OSError, UnicodeError) as e:
                reason = getattr(e, "strerror", None) or type(e).__name__
                raise ConfigurationError(
                    f"{self.file_option}: cannot read {self.file}: {reason}"
                ) from None
            value = text.splitlines()[0] if text else ""
            where = f"{self.file_option} {self.file}"
        elif self.env:
            value = os.environ.get(self.env, "")
            where = f"{self.env_option}: the environment variable {self.env}"
        else:
            raise ConfigurationError(f"no {self.file_option} or {self.env_option} given")
        if not value:
            raise ConfigurationError(f"{where} holds no password")
        return value

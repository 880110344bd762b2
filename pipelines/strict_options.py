"""Unknown command-line options fail at start, naming the closest known option.

argparse (and Beam's PipelineOptions, which discards what it does not know with a warning)
would let ``--output out2/`` run with the default ``--output_dir``: a mistyped option costs a
whole run. Every command of the project parses its options strictly: no abbreviations, and an
argument no parser knows is a configuration error (exit status 2).
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable, Sequence


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known option most like ``name``, if one is close enough to be a likely typo."""
    known = sorted(set(known))
    matches = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    # A prefix (``--output`` for ``--output_dir``) is the commonest slip; difflib misses long ones.
    prefixed = [k for k in known if k.startswith(name) or name.startswith(k)]
    return min(prefixed, key=len) if prefixed else None


def unknown_arguments(extras: Sequence[str]) -> list[str]:
    """The unknown options among argparse's leftovers (their values left out), and any stray
    positional argument (``'out/'`` not after an unknown option)."""
    found, i = [], 0
    while i < len(extras):
        arg = extras[i]
        if arg.startswith("-") and len(arg) > 1:
            found.append(arg.split("=", 1)[0])
            has_value = "=" not in arg and i + 1 < len(extras)
            i += 2 if has_value and not extras[i + 1].startswith("-") else 1
        else:
            found.append(arg)
            i += 1
    return found


def describe(unknown: Sequence[str], known: Iterable[str], runner_only: Iterable[str] = ()) -> str:
    """``--output: unknown option; did you mean --output_dir?`` for each unknown argument
    (``runner_only``: option names that another runner would take)."""
    runner_only = set(runner_only)
    known = list(known)
    lines = []
    for arg in unknown:
        if not arg.startswith("-"):
            lines.append(f"{arg}: unexpected argument")
            continue
        line = f"{arg}: unknown option"
        suggestion = closest(arg, known)
        if arg.lstrip("-") in runner_only:
            line = f"{arg}: an option of the Flink runner, needs --runner=FlinkRunner"
        elif suggestion:
            line += f"; did you mean {suggestion}?"
        lines.append(line)
    return "\n".join(lines) + "\n(--help lists every option)"


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string of ``parser`` and of its sub-command parsers."""
    found = set()
    for action in parser._actions:
        found.update(s for s in action.option_strings if s.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= option_strings(sub)
    return found


class StrictArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser without abbreviations whose unknown arguments name the closest option.

    Sub-command parsers made with ``add_subparsers`` are of this class too.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            message = describe(unknown_arguments(extras), option_strings(self))
            self.exit(2, f"{self.prog}: error: {message}\n")
        return parsed

"""Reading YAML rule files (pricing rules, approval policies): one parser and one error wording.

Both loaders report a bad file through their own domain error (naming the file, the rule and the
reason); these helpers produce the reasons, so both kinds of file fail the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from pydantic import ValidationError

from quote_engine.validation_messages import json_path

Refuse = Callable[[str], Exception]
"""Builds the loader's domain error for the whole file (rule ``-``) from a reason (with its fix)."""


def read_yaml(path: str | Path, refuse: Refuse) -> object:
    """Read and parse a YAML file; an unreadable, non-UTF-8 or invalid file raises ``refuse(reason)``."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise refuse(
            "there is no such file; check the path (a relative path starts from the "
            "current directory)"
        ) from None
    except IsADirectoryError:
        raise refuse("this is a directory, not a file; give the path of the YAML file") from None
    except OSError as exc:
        raise refuse(
            f"cannot read the file ({exc.strerror or type(exc).__name__}); check that it exists "
            "and is readable"
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise refuse(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}); save it as UTF-8"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise refuse(f"not valid YAML{where}; correct the YAML syntax") from None
    except ValueError as exc:  # PyYAML raises this for impossible dates such as 2026-13-01
        raise refuse(f"not valid YAML: {exc}; correct the value") from None


def explain(exc: ValidationError, whole: str = "") -> str:
    """One line per validation problem, ``location: message``, joined by ``; ``.

    A problem of the whole rule has no location; it is shown under ``whole`` (bare if empty).
    """
    parts = []
    for err in exc.errors():
        where = json_path(err["loc"]) or whole
        message = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)

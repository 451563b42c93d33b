"""Where a validation problem is, spelled as a JSON path into the user's file: `lines[2].quantity`."""

from __future__ import annotations

from collections.abc import Sequence


def json_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a JSON path: ('lines', 2, 'quantity') -> 'lines[2].quantity'.

    List positions count from 0, as in the file; an empty location gives ''.
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path

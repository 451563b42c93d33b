"""Salesforce record ids: key prefixes, 15- and 18-character forms and the case-safe checksum suffix."""

from __future__ import annotations

import itertools
import threading

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
#: The pod / instance part real ids carry after the key prefix.
_POD = "5g"


def checksum_suffix(id15: str) -> str:
    """The three characters that make a 15-character id case-insensitively unique.

    Each 5-character chunk gives one character: bit ``i`` is set when character ``i`` is an
    upper-case letter, and the 5-bit number indexes ``A..Z0..5``.
    """
    out = []
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def to18(id15: str) -> str:
    """The 18-character form of a 15-character id."""
    return id15 + checksum_suffix(id15)


def normalize(raw: str) -> str | None:
    """The canonical 18-character id for a 15- or 18-character id, or ``None`` if it is not one.

    An 18-character id is accepted in any letter case, as the real API does: its suffix says
    which of the first 15 characters are upper case.
    """
    if not raw.isalnum() or not raw.isascii():
        return None
    if len(raw) == 15:
        return to18(raw)
    if len(raw) != 18:
        return None
    head, suffix = raw[:15], raw[15:].upper()
    if any(ch not in _SUFFIX_ALPHABET for ch in suffix):
        return None
    fixed = []
    for n, ch in enumerate(head):
        bits = _SUFFIX_ALPHABET.index(suffix[n // 5])
        upper = bool(bits & (1 << (n % 5)))
        if ch.isalpha():
            fixed.append(ch.upper() if upper else ch.lower())
        elif upper:
            return None
        else:
            fixed.append(ch)
    id15 = "".join(fixed)
    return to18(id15) if checksum_suffix(id15) == suffix else None


def _base62(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, rem = divmod(n, 62)
        chars.append(_BASE62[rem])
    return "".join(reversed(chars))


class IdFactory:
    """Hands out fresh 18-character ids per key prefix, deterministically in creation order."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, key_prefix: str) -> str:
        """A new id with ``key_prefix`` (e.g. ``001`` for Account)."""
        with self._lock:
            n = next(self._counter)
        # Spread the counter so ids mix letter cases like real ones do.
        return to18(key_prefix + _POD + _base62(n * 7919 + 238_328, 10))

"""A rules file named by a setting: parsed once, re-read when it changes, refused with one clear line.

The pricing rules (``CHANNELSYNC_PRICING_RULES_FILE``) and the approval rules
(``CHANNELSYNC_APPROVAL_RULES_FILE``) are both such files. Each use stats the file once and parses
it again only when its modification time, size or inode changed. A missing, unreadable or invalid
file is refused with an error naming the setting, the path and the fix, rather than silently
falling back, until the file is corrected or the setting unset.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from order_core.errors import DomainError

T = TypeVar("T")
Stamp = tuple[int, int, int]
"""(mtime_ns, size, inode) of a file when it was read."""


@dataclass(frozen=True, slots=True)
class _Loaded(Generic[T]):
    path: str
    stamp: Stamp
    value: T | None
    error: str | None


class SettingFile(Generic[T]):
    """The parsed content of the file a setting names, kept while the file stays the same.

    ``load(path)`` parses the file and raises one of ``invalid`` (an error with a ``message``, or
    any exception whose text is the reason) when it is not valid; ``refuse(text)`` builds the
    domain error raised to callers; ``unset_means`` finishes "or unset the setting to ...".
    """

    def __init__(
        self,
        setting: str,
        what: str,
        load: Callable[[str], T],
        invalid: tuple[type[Exception], ...],
        refuse: Callable[[str], DomainError],
        unset_means: str,
    ) -> None:
        self.setting, self.what, self._load = setting, what, load
        self._invalid, self._refuse, self._unset_means = invalid, refuse, unset_means
        self._lock = threading.Lock()
        self._loaded: _Loaded[T] | None = None

    def _fix(self, what_to_correct: str) -> str:
        return f"correct {what_to_correct}, or unset {self.setting} to {self._unset_means}"

    def _stamp(self, path: str) -> Stamp:
        try:
            st = os.stat(path)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise self._refuse(
                f"{self.setting}={path}: the {self.what} cannot be read ({reason}); "
                + self._fix("the path")
            ) from None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def _read(self, path: str, stamp: Stamp) -> _Loaded[T]:
        try:
            return _Loaded(path, stamp, self._load(path), None)
        except self._invalid as exc:
            reason = str(getattr(exc, "message", exc))
            return _Loaded(
                path, stamp, None, f"{self.setting}={path}: {reason}; {self._fix('the file')}"
            )

    def current(self, path: str | None) -> T | None:
        """The parsed content of ``path`` (the setting's value), or None when the setting is unset.

        Thread-safe. Stats the file once per call and parses it only when it changed since the
        last read; raises the ``refuse`` error when it is missing, unreadable or invalid.
        """
        if not path:
            return None
        stamp = self._stamp(path)
        loaded = self._loaded
        if loaded is None or loaded.path != path or loaded.stamp != stamp:
            with self._lock:
                loaded = self._loaded
                if loaded is None or loaded.path != path or loaded.stamp != stamp:
                    # Stat before read: content changed while reading is kept under the older
                    # stamp, so the next call reads it again; old content never gets a new stamp.
                    loaded = self._read(path, stamp)
                    self._loaded = loaded
        if loaded.error is not None:
            raise self._refuse(loaded.error)
        return loaded.value

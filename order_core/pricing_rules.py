"""The installed pricing rules: the file CHANNELSYNC_PRICING_RULES_FILE names, for quotes and orders.

Quotes and orders price with the caller's ``RuleSet`` when it passes one, else with
:func:`installed_rules`, so the same cart costs the same quoted or ordered. The file is parsed
once and kept in memory; each call stats it once and re-reads it only when its modification time
(or size) changed. A missing or invalid file refuses pricing with :class:`PricingRulesFileError`
rather than silently pricing without promotions.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from order_core.errors import DomainError
from order_core.settings import get_settings
from quote_engine.errors import RuleFileError
from quote_engine.pricing import RuleSet, load_rules

SETTING = "CHANNELSYNC_PRICING_RULES_FILE"


class PricingRulesFileError(DomainError):
    """The installed pricing rules file is missing, unreadable or invalid; names setting, path, fix."""


@dataclass(frozen=True, slots=True)
class _Loaded:
    path: str
    stamp: tuple[int, int, int]
    """(mtime_ns, size, inode) of the file when it was read."""
    rules: RuleSet | None
    error: str | None


_lock = threading.Lock()
_loaded: _Loaded | None = None


def _stamp(path: str) -> tuple[int, int, int]:
    try:
        st = os.stat(path)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PricingRulesFileError(
            f"{SETTING}={path}: the pricing rules file cannot be read ({reason}); "
            f"correct the path, or unset {SETTING} to price without installed rules"
        ) from None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _read(path: str, stamp: tuple[int, int, int]) -> _Loaded:
    try:
        return _Loaded(path, stamp, load_rules(path), None)
    except RuleFileError as exc:
        return _Loaded(
            path,
            stamp,
            None,
            f"{SETTING}={path}: {exc.message}; correct the file, or unset {SETTING} "
            "to price without installed rules",
        )


def installed_rules() -> RuleSet | None:
    """The rules of the file ``pricing_rules_file`` names, or None when the setting is unset.

    Thread-safe. Stats the file once per call and re-reads it only when it changed since the last
    read. Raises :class:`PricingRulesFileError` (naming CHANNELSYNC_PRICING_RULES_FILE, the path
    and the fix) when the file is missing, unreadable or not a valid rules file.
    """
    global _loaded
    path = get_settings().pricing_rules_file
    if not path:
        return None
    stamp = _stamp(path)
    loaded = _loaded
    if loaded is None or loaded.path != path or loaded.stamp != stamp:
        with _lock:
            loaded = _loaded
            if loaded is None or loaded.path != path or loaded.stamp != stamp:
                # Stat before read: content changed while reading is kept under the older stamp,
                # so the next call reads it again; old content is never kept under a new stamp.
                loaded = _read(path, stamp)
                _loaded = loaded
    if loaded.error is not None:
        raise PricingRulesFileError(loaded.error)
    return loaded.rules


def rules_or_installed(rules: RuleSet | None) -> RuleSet | None:
    """``rules`` when given, else :func:`installed_rules` (what quotes and orders price with)."""
    return rules if rules is not None else installed_rules()

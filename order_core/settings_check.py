"""Why settings failed to load, as one line naming each CHANNELSYNC_* variable at fault and the fix.

Values are shown only for plain numbers and switches; a secret, a URL (it may hold a password) or
any free text is never repeated.
"""

from __future__ import annotations

import re

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsError

_FIX = "correct it in the environment or .env, or unset it for the default (see .env.example)"
_HINTS: dict[object, str] = {int: "a whole number", float: "a number", bool: "true or false"}
_FIELD_IN_SETTINGS_ERROR = re.compile(r'field "(\w+)"')


def env_name(settings: type[BaseSettings], field: str) -> str:
    """The environment variable of ``field`` (prefix + upper-case name)."""
    prefix = str(settings.model_config.get("env_prefix") or "")
    return f"{prefix}{field}".upper()


def _field_type(settings: type[BaseSettings], field: str) -> object:
    info = settings.model_fields.get(field)
    return info.annotation if info is not None else None


def _shown(settings: type[BaseSettings], field: str, value: object) -> str:
    if _field_type(settings, field) in _HINTS and isinstance(value, str):
        return f"={value[:40]!r}"
    return ""


def _validation_problems(settings: type[BaseSettings], exc: ValidationError) -> str:
    problems: list[str] = []
    for err in exc.errors():
        message = str(err["msg"]).removeprefix("Value error, ")
        loc = [str(p) for p in err["loc"]]
        if not loc:  # a check across settings: its message names them and the fix
            problems.append(message)
            continue
        field, rest = loc[0], loc[1:]
        name = env_name(settings, field) + (f" ({'.'.join(rest)})" if rest else "")
        hint = _HINTS.get(_field_type(settings, field))
        expected = f" (expected {hint})" if hint and err["type"].endswith("_parsing") else ""
        # A check of this project says what to do itself; pydantic's own messages do not.
        fix = "" if err["type"] == "value_error" else f"; {_FIX}"
        problems.append(
            f"{name}{_shown(settings, field, err.get('input'))}: {message}{expected}{fix}"
        )
    return "invalid setting: " + "; ".join(problems)


def explain_settings_failure(settings: type[BaseSettings], exc: BaseException) -> str | None:
    """One line for why ``settings`` could not be loaded, or None when ``exc`` is not about them."""
    if isinstance(exc, ValidationError):
        return _validation_problems(settings, exc)
    if isinstance(exc, SettingsError):
        found = _FIELD_IN_SETTINGS_ERROR.search(str(exc))
        name = env_name(settings, found.group(1)) if found else "a CHANNELSYNC_* setting"
        return (
            f"invalid setting: {name} is not valid JSON; write it as JSON like the example in "
            ".env.example, or unset it for the default"
        )
    if isinstance(exc, UnicodeDecodeError):
        return "the settings file .env is not UTF-8 text; save it as UTF-8 and try again"
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return f"cannot read the settings file .env: {reason}; check the file and its permissions"
    return None

"""The installed pricing rules: the file CHANNELSYNC_PRICING_RULES_FILE names, for quotes and orders.

Quotes and orders price with the caller's ``RuleSet`` when it passes one, else with
:func:`installed_rules`, so the same cart costs the same quoted or ordered. The file is parsed
once and kept in memory, and re-read only when it changes (``order_core.setting_files``). A missing
or invalid file refuses pricing with :class:`PricingRulesFileError` rather than silently pricing
without promotions.
"""

from __future__ import annotations

from order_core.errors import DomainError
from order_core.setting_files import SettingFile
from order_core.settings import get_settings
from quote_engine.errors import RuleFileError
from quote_engine.pricing import RuleSet, load_rules

SETTING = "CHANNELSYNC_PRICING_RULES_FILE"


class PricingRulesFileError(DomainError):
    """The installed pricing rules file is missing, unreadable or invalid; names setting, path, fix."""


_FILE: SettingFile[RuleSet] = SettingFile(
    SETTING,
    "pricing rules file",
    lambda path: load_rules(path),  # looked up at each read, so tests may count the reads
    (RuleFileError,),
    PricingRulesFileError,
    "price without installed rules",
)


def installed_rules() -> RuleSet | None:
    """The rules of the file ``pricing_rules_file`` names, or None when the setting is unset.

    Thread-safe. Stats the file once per call and re-reads it only when it changed since the last
    read. Raises :class:`PricingRulesFileError` (naming CHANNELSYNC_PRICING_RULES_FILE, the path
    and the fix) when the file is missing, unreadable or not a valid rules file.
    """
    return _FILE.current(get_settings().pricing_rules_file)


def rules_or_installed(rules: RuleSet | None) -> RuleSet | None:
    """``rules`` when given, else :func:`installed_rules` (what quotes and orders price with)."""
    return rules if rules is not None else installed_rules()

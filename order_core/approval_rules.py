"""The installed approval policy: the file CHANNELSYNC_APPROVAL_RULES_FILE names, for quotes and orders.

Quotes and orders ask the approvals of the caller's ``ApprovalPolicy`` when it passes one, else of
:func:`installed_policy`: the rules file the setting names (format: ``examples/approval_rules.yaml``),
or quote_engine's built-in policy when the setting is unset. The file is parsed once and re-read
only when it changes (``order_core.setting_files``). A missing or invalid file refuses quotes and
orders with :class:`ApprovalRulesFileError` rather than silently asking the built-in approvals.
"""

from __future__ import annotations

from functools import lru_cache

from order_core.errors import DomainError
from order_core.setting_files import SettingFile
from order_core.settings import get_settings
from quote_engine.approvals import (
    ApprovalPolicy,
    ApprovalPolicyError,
    default_approval_policy,
    load_approval_policy,
)

SETTING = "CHANNELSYNC_APPROVAL_RULES_FILE"


class ApprovalRulesFileError(DomainError):
    """The installed approval rules file is missing, unreadable or invalid; names setting, path, fix."""


_FILE: SettingFile[ApprovalPolicy] = SettingFile(
    SETTING,
    "approval rules file",
    lambda path: load_approval_policy(path),  # looked up at each read, so tests may count reads
    (ApprovalPolicyError,),
    ApprovalRulesFileError,
    "use the built-in approval policy",
)


@lru_cache(maxsize=1)
def builtin_policy() -> ApprovalPolicy:
    """quote_engine's built-in policy (``default_approval_rules.yaml``), parsed once."""
    return default_approval_policy()


def installed_policy() -> ApprovalPolicy:
    """The policy of the file ``approval_rules_file`` names, else the built-in policy when unset.

    Thread-safe. Stats the file once per call and re-reads it only when it changed since the last
    read. Raises :class:`ApprovalRulesFileError` (naming CHANNELSYNC_APPROVAL_RULES_FILE, the path
    and the fix) when the file is missing, unreadable or not a valid approval policy.
    """
    policy = _FILE.current(get_settings().approval_rules_file)
    return policy if policy is not None else builtin_policy()


def policy_or_installed(policy: ApprovalPolicy | None) -> ApprovalPolicy:
    """``policy`` when given, else :func:`installed_policy` (what quotes and orders ask)."""
    return policy if policy is not None else installed_policy()

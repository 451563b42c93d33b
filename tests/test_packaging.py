"""The package metadata tells the truth: an SPDX license with its text shipped, markers in use."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# MD5 of the Apache License 2.0 as published at https://www.apache.org/licenses/LICENSE-2.0.txt
APACHE_2_MD5 = "3b83ef96387f14655fc854ddc3c6bd57"


def test_license_is_an_spdx_expression_with_its_text_in_the_repository() -> None:
    project = PYPROJECT["project"]
    assert project["license"] == "Apache-2.0"  # the table form is deprecated by setuptools
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_bytes()
    assert hashlib.md5(text, usedforsecurity=False).hexdigest() == APACHE_2_MD5


def test_build_backend_reads_spdx_license_expressions() -> None:
    # PEP 639 (license expression + license-files) is supported from setuptools 77.0.3 on.
    (setuptools,) = [
        Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")
    ]
    lowest = min(Version(s.version) for s in setuptools.specifier if s.operator in (">=", "=="))
    assert lowest >= Version("77.0.3")


def test_every_declared_pytest_marker_is_used() -> None:
    declared = {m.split(":")[0] for m in PYPROJECT["tool"]["pytest"]["ini_options"]["markers"]}
    sources = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py") if p != Path(__file__)
    )
    used = set(re.findall(r"pytest\.mark\.(\w+)", sources))
    assert sorted(declared - used) == []

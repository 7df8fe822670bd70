"""The dependency audit's verdict on pip-audit's JSON report (scripts/audit.py)."""

from __future__ import annotations

from scripts.audit import read_report, verdict

CLEAN = {"name": "fastapi", "version": "0.120.0", "vulns": []}
SKIPPED = {"name": "alembic", "skip_reason": "Dependency not found on PyPI and could not be audited"}
VULNERABLE = {"name": "urllib3", "version": "1.26.0", "vulns": [
    {"id": "GHSA-v845-jxx5-vc9f", "fix_versions": ["1.26.17", "2.0.6"], "aliases": []}]}


def test_a_known_vulnerability_fails_the_audit_and_names_the_fix() -> None:
    code, message = verdict(read_report({"dependencies": [CLEAN, VULNERABLE]}), strict=False)
    assert code == 1
    assert "urllib3 1.26.0: GHSA-v845-jxx5-vc9f (fixed in 1.26.17, 2.0.6)" in message


def test_clean_packages_pass_and_unknown_ones_are_counted() -> None:
    code, message = verdict(read_report({"dependencies": [CLEAN, SKIPPED]}), strict=True)
    assert code == 0
    assert message == "1 packages audited, no known vulnerabilities; 1 not found on PyPI"


def test_nothing_audited_is_said_and_fails_only_when_strict() -> None:
    result = read_report({"dependencies": [SKIPPED, {"name": "yizhan", "skip_reason": "editable"}]})
    assert result.audited == 0 and len(result.skipped) == 1  # the project itself is not counted
    relaxed, message = verdict(result, strict=False)
    strict, _ = verdict(result, strict=True)
    assert (relaxed, strict) == (0, 1)
    assert message.startswith("NOT AUDITED")

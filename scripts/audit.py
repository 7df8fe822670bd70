"""Dependency audit: pip-audit over the packages installed in .venv.

    .venv/bin/python -m scripts.audit [--strict]

Fails (exit 1) when any installed package has a known vulnerability. When the advisory source
(PyPI's JSON API, which pip-audit asks per package and version) answers for no package at all,
as on a machine whose package index is a mirror without that API, nothing was audited: that is
said loudly and, without --strict, does not fail the run, so that CI stays meaningful wherever
the advisories can be reached and honest where they cannot.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

SELF = "yizhan"  # the project itself is installed editable and is not on PyPI


@dataclass(frozen=True)
class AuditResult:
    audited: int
    skipped: list[str]
    vulnerable: list[str]  # "package version: id (fixed in …)"


def read_report(report: dict[str, Any]) -> AuditResult:
    audited, skipped, vulnerable = 0, [], []
    for dep in report.get("dependencies", []):
        if dep["name"] == SELF:
            continue
        if "skip_reason" in dep:
            skipped.append(f"{dep['name']}: {dep['skip_reason']}")
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            vulnerable.append(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    return AuditResult(audited, skipped, vulnerable)


def verdict(result: AuditResult, strict: bool) -> tuple[int, str]:
    if result.vulnerable:
        return 1, "known vulnerabilities:\n  " + "\n  ".join(result.vulnerable)
    if result.audited == 0:
        message = (f"NOT AUDITED: the advisory source answered for none of the "
                   f"{len(result.skipped)} packages (first: {result.skipped[0] if result.skipped else '-'})")
        return (1 if strict else 0), message
    note = f"; {len(result.skipped)} not found on PyPI" if result.skipped else ""
    return 0, f"{result.audited} packages audited, no known vulnerabilities{note}"


def run_pip_audit() -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--local", "--format", "json",
         "--progress-spinner", "off", "--timeout", "30"],
        capture_output=True, text=True, check=False)
    try:
        return dict(json.loads(completed.stdout))
    except json.JSONDecodeError:
        tail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return {"dependencies": [], "error": tail}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strict", action="store_true",
                        help="fail when nothing could be audited (no advisory source reachable)")
    args = parser.parse_args()
    report = run_pip_audit()
    if "error" in report:
        print(f"[audit] pip-audit could not run: {report['error']}")
        sys.exit(1 if args.strict else 0)
    code, message = verdict(read_report(report), args.strict)
    print(f"[audit] {message}")
    sys.exit(code)


if __name__ == "__main__":
    main()

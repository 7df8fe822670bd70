"""The real data sets of ../shared/realdata, which a checkout may not have."""

import os
from pathlib import Path

import pytest

# YIZHAN_REALDATA names it for a checkout elsewhere (a git worktree, say).
REALDATA = Path(os.environ.get("YIZHAN_REALDATA") or
                Path(__file__).resolve().parents[1].parent / "shared" / "realdata")


def realdata(name: str) -> Path:
    path = REALDATA / name
    if not path.exists():
        pytest.skip(f"{path} is not here (shared/realdata is optional)")
    return path

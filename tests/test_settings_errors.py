"""A mistyped setting stops the `yizhan` command with one line per bad setting, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

YIZHAN = Path(sys.executable).parent / "yizhan"


def test_bad_settings_are_one_line_each_and_the_command_fails(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIZHAN_")}
    env |= {"YIZHAN_PRODUCTION": "yess", "YIZHAN_POOL_SIZE": "ten", "YIZHAN_TILES_CRS": "amap"}
    for command in (["db", "status"], ["serve"]):
        run = subprocess.run([str(YIZHAN), *command], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
        assert run.returncode != 0
        lines = sorted(run.stderr.splitlines())
        assert lines == [
            "YIZHAN_POOL_SIZE='ten' cannot be used: give a whole number",
            "YIZHAN_PRODUCTION='yess' cannot be used: give true or false (or yes/no, on/off, 1/0)",
            "YIZHAN_TILES_CRS='amap' cannot be used: Input should be 'wgs84' or 'gcj02'",
        ], run.stderr
        assert "Traceback" not in run.stdout + run.stderr

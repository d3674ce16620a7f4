"""What the batch tests read back from a run folder: the manifest, leftovers and error lines."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def record(out: Path) -> dict:
    """The run folder's manifest."""
    return json.loads((out / "_work" / "manifest.json").read_text(encoding="utf-8"))


def leftovers(folder: Path) -> list[str]:
    """Hidden work folders and temporary files, anywhere under ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name.startswith(".") or p.name.endswith(".tmp"))


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    """The non-blank lines a command wrote to standard error."""
    return [line for line in result.stderr.splitlines() if line.strip()]

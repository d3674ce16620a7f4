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


def provider_ids(dataset: Path) -> list[str]:
    """The provider ids of a dataset's ``providers.csv``, in its order."""
    lines = (dataset / "providers.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split(",")[0] for line in lines]


def respondent_totals(report: Path, total_label: str) -> list[str]:
    """The total row of a provider report's first table (respondents by role), as shown."""
    from bs4 import BeautifulSoup

    table = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser").find("table")
    total = next(row for row in table.find_all("tr")
                 if row.find(["th", "td"]).get_text(strip=True) == total_label)
    return [cell.get_text(strip=True) for cell in total.find_all(["th", "td"])[1:]]

"""The publication rule across versions: a report is not replaced by one a few answers apart.

A coordinator re-runs after late answers arrive. Anyone who has both versions of a report can
subtract them: with one late answer in a group of 17, ``18·m′ − 17·m`` is that person's answer,
whatever each version hides on its own. So the run folder remembers, for each published report,
the answers behind every group it published (``_work/published.json``; the counts come from
the views, after the disclosure layer's decisions: ``provider_view.published_counts``,
``network_view.published_counts``). A new version whose count differs from the published one
by 1 to ``min_group_size - 1`` in any group published in both is *held*: it is not run, the
published version stays, and the run's summary and index say "held" and why. It is published
once every such difference reaches the minimum (the late answers accumulate), or when the
coordinator passes ``--publish-held``, which the manifest and the index then record.

A group published in one version only is not compared: what that version shows of it rests
on at least the minimum, and its difference reaches the groups both show (the total) anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strapetsi_lib.batch import layout
from strapetsi_lib.batch.manifest import HELD
from strapetsi_lib.files import PRIVATE_FILE_MODE, json_text, write_atomic

__all__ = ["HELD", "Publication", "hold_reason", "report_counts", "small_changes"]

FORMAT = 1


def small_changes(before: dict[str, int] | None, after: dict[str, int],
                  min_group_size: int) -> dict[str, tuple[int, int]]:
    """The groups published in both versions whose answers differ by 1 to
    ``min_group_size - 1``: ``{group: (before, after)}``; none when nothing was published."""
    if not before:
        return {}
    return {key: (before[key], after[key]) for key in sorted(before.keys() & after.keys())
            if 0 < abs(after[key] - before[key]) < min_group_size}


def hold_reason(changes: dict[str, tuple[int, int]], min_group_size: int) -> str:
    """Why a report is held, in one line for the run summary and the index."""
    key, (before, after) = next(iter(changes.items()))
    more = f" and {len(changes) - 1} other group(s)" if len(changes) > 1 else ""
    return (f"held: the published version stays, since this one differs from it by fewer than "
            f"{min_group_size} answers in {key} ({before} → {after}){more}, and comparing the "
            f"two would give those answers away; it is published when the difference reaches "
            f"{min_group_size}, or with --publish-held")


@dataclass
class Publication:
    """The published counts of a run folder's reports, and this run's decisions.

    Attributes
    ----------
    out_dir
        The run folder.
    min_group_size
        The dataset's minimum.
    release
        The coordinator's ``--publish-held``: publish held reports all the same.
    published
        Report id → the counts of its published version (read from the run folder).
    pending
        Report id → the counts of the version this run makes (recorded when it is written).
    released
        Report ids this run publishes under ``release`` although the rule would hold them.
    """

    out_dir: Path
    min_group_size: int
    release: bool = False
    published: dict[str, dict[str, int]] = field(default_factory=dict)
    pending: dict[str, dict[str, int]] = field(default_factory=dict)
    released: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, out_dir: Path, min_group_size: int, release: bool = False) -> Publication:
        """The run folder's record; an unreadable one counts as none (nothing is compared)."""
        path = Path(out_dir) / layout.PUBLISHED_FILE
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            reports = record["reports"] if record.get("format") == FORMAT else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            reports = {}
        published = {str(rid): {str(k): int(v) for k, v in counts.items()}
                     for rid, counts in reports.items() if isinstance(counts, dict)}
        return cls(Path(out_dir), min_group_size, release, published)

    def decide(self, report_id: str, counts: dict[str, int]) -> str | None:
        """Whether the new version of ``report_id`` may replace the published one: ``None``
        when it may (it is then recorded on :meth:`written`), else why it is held."""
        changes = small_changes(self.published.get(report_id), counts, self.min_group_size)
        if changes and not self.release:
            return hold_reason(changes, self.min_group_size)
        if changes:
            self.released.append(report_id)
        self.pending[report_id] = counts
        return None

    def written(self, report_id: str) -> None:
        """The new version of ``report_id`` is in place: remember what it published."""
        if report_id in self.pending:
            self.published[report_id] = self.pending.pop(report_id)
            self.save()

    def save(self) -> None:
        """Write the record atomically, readable by the user only (it lists every provider)."""
        record: dict[str, Any] = {"format": FORMAT, "min_group_size": self.min_group_size,
                                  "reports": self.published}
        write_atomic(self.out_dir / layout.PUBLISHED_FILE,
                     json_text(record, sort_keys=True) + "\n", mode=PRIVATE_FILE_MODE)


def report_counts(prepared: Any, report_id: str, network_id: str) -> dict[str, int]:
    """The counts of the groups a report would publish, from the views of its kind."""
    if report_id == network_id:
        from strapetsi_lib.present.network_view import published_counts

        return published_counts(prepared)
    from strapetsi_lib.present.provider_view import published_counts

    return published_counts(prepared, report_id)

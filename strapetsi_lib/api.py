"""What a notebook needs from the workbench, in one place: ``from strapetsi_lib.api import ...``.

In: nothing (importing names is its use). Out: the functions and modules the report notebooks
and ``explore.ipynb`` call, under the names the stages give them:

* **data**: :func:`load_dataset` (a dataset's files, checked), :func:`load_prepared` (the
  network-wide tables, from the cache), :func:`resolve_dataset` (a notebook's ``dataset``
  parameter as a folder), and :func:`dimension_scores` and
  :func:`long_dimension_scores` for a dataset's own scores;
* **the views** (what a report section shows, from the prepared tables): :mod:`provider_view`,
  :mod:`takehold_view`, :mod:`devdisc_view`, :mod:`network_view`, with :mod:`summary`,
  :mod:`comparisons`, :mod:`download` (the tables a report shows, kept for its CSV and xlsx),
  :mod:`figure_numbers` (the numbers a figure draws, for the downloads) and
  :func:`colophon_html` (the report's date, contact person and coordinator);
* **the figures**: :mod:`provider_figures`, :mod:`network_figures`, and over three waves or
  more :mod:`trajectory_view` with :mod:`trajectory_figures` (both reports);
* **show**: :func:`show_title`, :func:`show_heading`, :func:`show_text`, :func:`show_table`,
  :func:`show_figure`, :func:`show_html`; and the words and numbers of a report's language,
  :func:`text`, :func:`number` and :func:`too_few`.

A name is added here when a notebook needs it; the stages below stay where they are
(docs/architecture.md §1). ``load_dataset`` and ``network_figures`` are imported when first
asked for: a provider report's kernel needs neither the dataset readers nor seaborn
(``batch/kernel_server.py`` does not import them for it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from strapetsi_lib.analysis.scores import dimension_scores, long_dimension_scores
from strapetsi_lib.config import resolve_dataset
from strapetsi_lib.prepare import load_prepared
from strapetsi_lib.present import (
    comparisons,
    devdisc_view,
    download,
    figure_numbers,
    network_view,
    provider_figures,
    provider_view,
    summary,
    takehold_view,
    trajectory_figures,
    trajectory_view,
)
from strapetsi_lib.present.colophon import colophon_html
from strapetsi_lib.present.display import (
    show_figure,
    show_heading,
    show_html,
    show_table,
    show_text,
    show_title,
)
from strapetsi_lib.present.i18n import number, text, too_few

if TYPE_CHECKING:  # imported when first asked for, by __getattr__
    from strapetsi_lib.ingest.dataset import load_dataset
    from strapetsi_lib.present import network_figures

__all__ = [
    "colophon_html", "comparisons", "devdisc_view", "dimension_scores", "download",
    "figure_numbers", "load_dataset",
    "load_prepared", "long_dimension_scores", "network_figures", "network_view", "number",
    "provider_figures", "provider_view", "resolve_dataset", "show_figure", "show_heading",
    "show_html", "show_table", "show_text", "show_title", "summary", "takehold_view", "text",
    "too_few", "trajectory_figures", "trajectory_view",
]


def __getattr__(name: str) -> Any:
    """The names imported when first asked for (see the module docstring)."""
    if name == "load_dataset":
        from strapetsi_lib.ingest.dataset import load_dataset

        return load_dataset
    if name == "network_figures":
        from strapetsi_lib.present import network_figures

        return network_figures
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

"""The line under a report's title: its date, the contact person and the network's coordinator.

A report is printed, forwarded and filed; its first page says when it was made and whom to ask.
The date and the two people are declared in ``dataset.yml`` (``report_date``, ``contact``,
``coordinator``; :class:`strapetsi_lib.ingest.dataset_spec.DatasetSpec`) and reach the report
through the prepared tables' :attr:`~strapetsi_lib.prepare.Prepared.colophon`. Without a
``report_date`` the date is the day the report is made.
"""

from __future__ import annotations

import datetime as dt
import html

from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import date_text, text

__all__ = ["colophon_html", "colophon_lines", "report_date"]


def report_date(prepared: Prepared) -> dt.date:
    """The date a report gives: ``dataset.yml``'s ``report_date``, else today."""
    declared = (prepared.colophon or {}).get("report_date")
    return dt.date.fromisoformat(declared) if declared else dt.date.today()


def _person(person: dict | None) -> str | None:
    if not person:
        return None
    email = person.get("email")
    return f"{person['name']} ({email})" if email else str(person["name"])


def colophon_lines(prepared: Prepared, language: str) -> list[tuple[str, str]]:
    """``(label, value)`` pairs: the date, then the contact person and the coordinator where
    ``dataset.yml`` names them."""
    colophon = prepared.colophon or {}
    lines = [(text("colophon_date", language), date_text(report_date(prepared), language))]
    for key in ("contact", "coordinator"):
        person = _person(colophon.get(key))
        if person:
            lines.append((text(f"colophon_{key}", language), person))
    return lines


def colophon_html(prepared: Prepared, language: str) -> str:
    """The colophon as a definition list under the title (every value escaped)."""
    items = "".join(f"<div><dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd></div>"
                    for label, value in colophon_lines(prepared, language))
    return f'<dl class="strapetsi-colophon">{items}</dl>'

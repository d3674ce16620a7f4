"""The publication rule across versions (batch/publication.py): its record and what the
coordinator's page says of a held report."""

from __future__ import annotations

import os

from bs4 import BeautifulSoup

from strapetsi_lib.batch import layout
from strapetsi_lib.batch import manifest as runs
from strapetsi_lib.batch.index_page import render_index
from strapetsi_lib.batch.manifest import Manifest, ReportEntry
from strapetsi_lib.batch.publication import Publication
from strapetsi_lib.present.i18n import text

PUBLISHED = {"baseline/respondents/all": 17, "baseline/respondents/teacher": 10}
ONE_LATE = {"baseline/respondents/all": 18, "baseline/respondents/teacher": 10}


def test_the_record_is_kept_private_and_read_back(tmp_path):
    (tmp_path / layout.WORK_DIR).mkdir()
    previous = os.umask(0o022)
    try:
        first = Publication.of(tmp_path, 5)
        assert first.decide("0123456-7", PUBLISHED) is None  # nothing published yet
        first.written("0123456-7")
    finally:
        os.umask(previous)
    path = tmp_path / layout.PUBLISHED_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    again = Publication.of(tmp_path, 5)
    assert again.published == {"0123456-7": PUBLISHED}
    reason = again.decide("0123456-7", ONE_LATE)
    assert reason is not None and "baseline/respondents/all (17 → 18)" in reason
    # a held version is not recorded: the published one stays the reference
    assert again.pending == {}
    assert again.decide("0123456-7", {**ONE_LATE, "baseline/respondents/all": 22}) is None


def test_the_coordinators_option_publishes_and_is_recorded(tmp_path):
    (tmp_path / layout.WORK_DIR).mkdir()
    publication = Publication(tmp_path, 5, release=True, published={"0123456-7": PUBLISHED})
    assert publication.decide("0123456-7", ONE_LATE) is None
    assert publication.released == ["0123456-7"]
    publication.written("0123456-7")
    assert Publication.of(tmp_path, 5).published["0123456-7"] == ONE_LATE


def test_an_unreadable_record_compares_nothing(tmp_path):
    (tmp_path / layout.WORK_DIR).mkdir()
    (tmp_path / layout.PUBLISHED_FILE).write_text("{not json")
    assert Publication.of(tmp_path, 5).published == {}


def test_the_index_says_held_and_why():
    note = "held: the published version stays, since …"
    held = ReportEntry(id="0123456-7", kind=runs.PROVIDER, stem="provider_0123456-7",
                       html="provider_0123456-7.html",
                       notebook="_work/notebooks/provider_0123456-7.ipynb", name="Opisto",
                       status=runs.HELD, note=note,
                       files={"provider_0123456-7.html": {"bytes": 1, "mtime_ns": 1}})
    manifest = Manifest(run={"status": runs.OK, "started": "2026-11-30T09:00:00+02:00",
                             "published_held": ["7654321-0"]},
                        dataset={"name": "demo"}, reports=[held])
    soup = BeautifulSoup(render_index(manifest, "fi"), "html.parser")
    words = soup.get_text(" ")
    assert text("index_held_heading", "fi") in words
    assert text("index_status_held", "fi") in words and note in words
    assert soup.find("a", href="provider_0123456-7.html") is not None  # the published one
    assert text("index_published_held", "fi") in words and "7654321-0" in words

"""The prepared-tables cache: exact round trip, key, file mode, replacement and healing.

Most tests swap the statistics for a few cheap tables (every dtype the real tables use), since
what is tested is the cache; one test round-trips the real tables of the tiny dataset, and the
command-line test runs the real ``strapetsi prepare``.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from strapetsi_lib import cache_keys, prepare
from strapetsi_lib.ingest.dataset import load_dataset

CHECKOUT = Path(prepare.__file__).resolve().parent.parent


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache" / "prepared"
    monkeypatch.setattr(cache_keys, "PREPARED_DIR", folder)
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, write_dataset):
    """The tiny dataset, loaded once."""
    return load_dataset(write_dataset(tmp_path_factory.mktemp("tiny") / "tiny"))


def _cheap_tables(dataset) -> dict[str, pd.DataFrame]:
    return {
        "providers": dataset.providers.copy(),
        "scores": pd.DataFrame({
            "provider_id": pd.Series(["0100013-3", "0213427-2", "0371582-9"], dtype="string"),
            "dimension": pd.Categorical(["plan", "lead", "plan"]),
            "mean": [3.25, np.nan, 4.0], "n": np.array([6, 0, 5], dtype="int64"),
            "n_hidden": pd.array([1, None, 0], dtype="Int64"), "shown": [True, False, True],
            "note": ["a", None, "ä"],
        }),
    }


@pytest.fixture
def cheap(monkeypatch):
    calls = []

    def compute(dataset):
        calls.append(dataset.path)
        return _cheap_tables(dataset)

    monkeypatch.setattr(prepare, "compute_tables", compute)
    return calls


def _assert_same(a: prepare.Prepared, b: prepare.Prepared) -> None:
    assert set(a.tables) == set(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True)
    for name in ("key", "dataset_name", "dataset_path", "instrument_ref", "min_group_size",
                 "waves"):
        assert getattr(a, name) == getattr(b, name)


@pytest.mark.slow
def test_the_real_tables_come_back_exactly_from_a_private_file(tiny, cache):
    prepared = prepare.prepare_tables(tiny)
    entry = cache_keys.entry_path(tiny.path)
    assert [p.name for p in cache.iterdir()] == [entry.name]  # no temporary file left
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    with zipfile.ZipFile(entry) as archive:  # portable: parquet tables and JSON, no pickle
        names = archive.namelist()
    assert "prepared.json" in names and "tables/dimension_means.parquet" in names
    assert all(n.endswith(".parquet") for n in names if n != "prepared.json")
    _assert_same(prepared, prepare.read_entry(entry))
    _assert_same(prepared, prepare.load_prepared(tiny.path))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(1).bytes(path.stat().st_size))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _drop_a_table(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(buffer, "w") as new:
        for info in old.infolist():
            if info.filename != "tables/scores.parquet":
                new.writestr(info, old.read(info))
    path.write_bytes(buffer.getvalue())


BREAKAGES = {"truncated": (_truncate, "not a readable zip file"),
             "random bytes": (_random_bytes, "not a readable zip file"),
             "0 bytes": (_empty, "the file is empty"),
             "a table missing": (_drop_a_table, "table 'scores' is missing")}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_entry_is_reported_in_one_line_and_rebuilt(breakage, tiny, cache, cheap,
                                                            caplog):
    good = prepare.prepare_tables(tiny)
    entry = cache_keys.entry_path(tiny.path)
    damage, reason = BREAKAGES[breakage]
    damage(entry)
    with pytest.raises(prepare.CacheEntryError, match=reason):
        prepare.read_entry(entry)
    with caplog.at_level(logging.WARNING, logger="strapetsi_lib.prepare"):
        _assert_same(good, prepare.load_prepared(tiny.path))
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "\n" not in messages[0]
    assert messages[0].startswith(f"{entry}: unreadable prepared-tables cache ({reason}")
    assert messages[0].endswith("; rebuilding it")
    assert len(cheap) == 2  # computed again, once
    _assert_same(good, prepare.read_entry(entry))  # and written again, whole


def test_a_broken_entry_is_rebuilt_by_prepare_tables_too(tiny, cache, cheap, caplog):
    prepare.prepare_tables(tiny)
    _truncate(cache_keys.entry_path(tiny.path))
    with caplog.at_level(logging.WARNING, logger="strapetsi_lib.prepare"):
        prepare.prepare_tables(tiny)
    assert len(caplog.records) == 1 and len(cheap) == 2
    prepare.read_entry(cache_keys.entry_path(tiny.path))


def test_a_new_entry_replaces_the_dataset_earlier_ones_only(tiny, cache, cheap):
    cache.mkdir(parents=True)
    current = cache_keys.entry_path(tiny.path)
    earlier = current.with_name(current.name.split("-")[0] + "-0123456789abcdef0123.zip")
    other_dataset = cache / "aaaaaaaaaaaa-0123456789abcdef0123.zip"
    old_format = cache / "0123456789abcdef0123.pkl"
    for path in (earlier, other_dataset, old_format):
        path.write_bytes(b"x")
    prepare.prepare_tables(tiny)
    assert sorted(p.name for p in cache.iterdir()) == sorted([current.name, other_dataset.name])


def test_the_key_follows_the_data_analysis_code_and_versions_but_not_the_words(
        tiny, tmp_path, monkeypatch):
    package = tmp_path / "strapetsi_lib"
    shutil.copytree(CHECKOUT / "strapetsi_lib", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_keys, "PACKAGE_DIR", package)
    key, inputs = cache_keys.cache_key(tiny.path), cache_keys.inputs_key(tiny.path)

    def edit(relative: str) -> None:
        with open(package / relative, "a", encoding="utf-8") as stream:
            stream.write("\n# edited\n")

    for words in ("texts/texts.yml", "present/i18n.py", "templates/strapetsi/index.html.j2",
                  "render/export.py"):
        edit(words)
        assert cache_keys.cache_key(tiny.path) == key, words
    assert cache_keys.inputs_key(tiny.path) != inputs  # reports still re-run after a new text

    for code in ("analysis/stats.py", "ingest/reading.py", "instruments/"
                 "competence_management_v1.yml", "prepare.py"):
        edit(code)
        assert cache_keys.cache_key(tiny.path) != key, code
        key = cache_keys.cache_key(tiny.path)

    versions = cache_keys.library_versions()
    monkeypatch.setattr(cache_keys, "library_versions", lambda: {**versions, "pandas": "9.9"})
    assert cache_keys.cache_key(tiny.path) != key

    copy = shutil.copytree(tiny.path, tmp_path / "copy")
    key = cache_keys.cache_key(copy)
    responses = next(copy.glob("responses_baseline.*"))
    responses.write_bytes(responses.read_bytes() + b"\n")
    assert cache_keys.cache_key(copy) != key


@pytest.mark.slow
def test_strapetsi_prepare_reports_a_broken_cache_in_one_line_and_exits_0(tiny, tmp_path,
                                                                         monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setattr(cache_keys, "PREPARED_DIR", home / ".cache" / "prepared")
    cache_keys.PREPARED_DIR.mkdir(parents=True)
    entry = cache_keys.entry_path(tiny.path)
    entry.write_bytes(b"PK\x03\x04 not really a zip")
    env = {**os.environ, "STRAPETSI_HOME": str(home), "PYTHONPATH": str(CHECKOUT)}
    result = subprocess.run([sys.executable, "-m", "strapetsi_lib", "prepare", str(tiny.path)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    about_cache = [line for line in result.stderr.splitlines() if "cache" in line]
    assert about_cache == [f"{entry}: unreadable prepared-tables cache (not a readable zip file "
                           "(File is not a zip file)); rebuilding it"]
    assert "Traceback" not in result.stderr
    assert prepare.read_entry(entry).dataset_name == tiny.name


def test_preloaded_tables_serve_their_key_only(tiny, cache, cheap, tmp_path):
    """The kernel server's preload: the same key gets the tables read before (no read), a dataset
    whose files changed gets its own, newly prepared tables."""
    prepare.prepare_tables(tiny)
    assert prepare.preload(tiny.path)
    try:
        entry = cache_keys.entry_path(tiny.path)
        preloaded = prepare._PRELOADED[entry]
        entry.unlink()  # nothing left to read: the tables can only come from memory
        assert prepare.load_prepared(tiny.path) is preloaded
        changed = tmp_path / "changed"
        shutil.copytree(tiny.path, changed)
        with (changed / "providers.csv").open("a", encoding="utf-8") as handle:
            handle.write("\n")
        assert prepare.load_prepared(changed) is not preloaded
        assert len(cheap) == 2  # the changed dataset was prepared, the preloaded one was not
    finally:
        prepare._PRELOADED.clear()


def test_preload_without_an_entry_remembers_nothing(tiny, cache):
    assert not prepare.preload(tiny.path)
    assert not prepare._PRELOADED

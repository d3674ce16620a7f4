"""The prepare stage: network-wide analysis tables, computed once and cached by input content.

Every provider report reads the same network-wide tables (network averages, every provider's
place, models). They are computed here once, vectorised over all providers, and cached (see
docs/architecture.md §4, "The prepared-tables cache"):

* **Key** (:func:`strapetsi_lib.cache_keys.cache_key`, in a module of its own so that a
  no-change run can compute it without importing pandas): the bytes of the dataset's files,
  the analysis code (ingest, analysis, this stage, the settings and the instruments) and the
  versions of Python and of the numerical libraries. The words, figures, templates and
  notebooks are not in the key: a new text does not recompute the tables. (What a *report*
  depends on is wider; the batch uses :func:`~strapetsi_lib.cache_keys.inputs_key`.)
* **Entry**: one zip file, ``.cache/prepared/<dataset>-<key>.zip``, holding one parquet file per
  table and ``prepared.json`` (the other fields of :class:`Prepared`, the table names, the
  versions). Parquet is portable across Python and pandas versions and, unlike a pickle, cannot
  run code when read. It is written with :func:`strapetsi_lib.files.write_atomic`, readable by
  the user only (mode ``0600``), and replaces the dataset's earlier entries.
* **Healing**: an entry that cannot be read or has the wrong shape (truncated, not a zip, empty,
  a table missing) is reported in one line naming the file and what is wrong (a logging warning,
  no traceback), removed, and rebuilt.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import json
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from strapetsi_lib import cache_keys as keys
from strapetsi_lib.errors import InstrumentError, StrapetsiError
from strapetsi_lib.files import write_atomic
from strapetsi_lib.ingest.dataset_spec import load_dataset_spec
from strapetsi_lib.ingest.instrument import Instrument, load_instrument

log = logging.getLogger(__name__)

_METADATA = "prepared.json"
_TABLES = "tables/"


class CacheEntryError(StrapetsiError):
    """A cache entry that cannot be read or has the wrong shape (it is then rebuilt).

    Attributes
    ----------
    path
        The entry's file.
    reason
        What is wrong with it, in a few words.
    """

    path: Path
    reason: str

    def __init__(self, path: Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass
class Prepared:
    """The prepared tables of one dataset, with what a report needs to know about the dataset."""

    key: str
    dataset_name: str
    dataset_path: str
    instrument_ref: str
    min_group_size: int
    waves: list[dict]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: The report date, contact person and coordinator ``dataset.yml`` declares
    #: (:meth:`strapetsi_lib.ingest.dataset_spec.DatasetSpec.colophon`).
    colophon: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @functools.cached_property
    def instrument(self) -> Instrument:
        """The dataset's instrument, read once per prepared tables (a report asks for it some
        hundred times; the tables' key already covers the instrument's file)."""
        return load_instrument(self.instrument_ref, Path(self.dataset_path))

    @property
    def wave_ids(self) -> list[str]:
        return [wave["id"] for wave in self.waves]

    def wave_label(self, wave_id: str, language: str) -> str:
        """The wave's label in ``language`` (its id when the dataset gives none)."""
        for wave in self.waves:
            if wave["id"] == wave_id:
                return (wave.get("label") or {}).get(language, wave_id)
        raise KeyError(wave_id)

    def provider(self, provider_id: str) -> pd.Series:
        """The provider's row of the providers table; ``KeyError`` naming an unknown id."""
        positions = self._provider_positions("providers").get(provider_id)
        if positions is None or not len(positions):
            raise KeyError(f"provider {provider_id!r} is not in dataset {self.dataset_name}")
        return self.tables["providers"].iloc[positions[0]]

    def rows(self, name: str, provider_id: str) -> pd.DataFrame:
        """The rows of table ``name`` that belong to one provider.

        The table's rows are grouped by provider once (on first use in this process), so a
        report's look-ups cost the same in a network of 80 providers as in one of 800, where
        comparing every row's provider id on every call would grow with the network.
        """
        table = self.tables[name]
        positions = self._provider_positions(name).get(provider_id)
        if positions is None:
            return table.iloc[0:0].reset_index(drop=True)
        return table.iloc[positions].reset_index(drop=True)

    def index_providers(self) -> None:
        """Group every table's rows by provider now (what :meth:`rows` does on first use).

        The batch's kernel server calls this on the tables it reads before forking the report
        kernels (:func:`preload`), so that no kernel groups the same tables again.
        """
        for name, table in self.tables.items():
            if "provider_id" in table.columns:
                self._provider_positions(name)

    def _provider_positions(self, name: str) -> dict:
        # Kept outside the dataclass fields (and so outside equality and the cache file's
        # schema); built lazily because a report reads a few of the tables only.
        index = self.__dict__.setdefault("_positions_by_table", {})
        if name not in index:
            groups = self.tables[name].groupby("provider_id", sort=False, observed=True)
            index[name] = groups.indices
        return index[name]


def compute_tables(dataset) -> dict[str, pd.DataFrame]:
    """Compute every network-wide table of the baseline analysis for a loaded dataset."""
    from strapetsi_lib.analysis import baseline, devdisc
    from strapetsi_lib.analysis.scores import dimension_scores, long_dimension_scores
    from strapetsi_lib.analysis.waves import provider_waves

    instrument = dataset.instrument
    responses = dataset.responses
    mgs = dataset.min_group_size
    long_scores = long_dimension_scores(dimension_scores(responses, instrument))
    means = baseline.dimension_means(long_scores)
    rates = baseline.response_rates(responses, dataset.providers)
    scale_items = instrument.scale_item_codes
    tables = {
        "providers": dataset.providers.copy(),
        "provider_waves": provider_waves(responses, dataset.providers, dataset.wave_ids, mgs),
        "response_rates": rates,
        "distinct_respondents": baseline.distinct_respondents(responses),
        "respondents_by_role": baseline.respondents_by_role(responses, dataset.providers,
                                                            instrument.role_codes),
        "dimension_means": means,
        "network_dimension_means": baseline.network_dimension_means(long_scores),
        "dimension_ranks": baseline.dimension_ranks(means, mgs, instrument.lower_is_better),
        "role_dimension_means": baseline.role_dimension_means(long_scores),
        "leader_staff_gap": baseline.leader_staff_gap(long_scores, mgs,
                                                      instrument.leadership_role),
        "item_distributions": baseline.item_distributions(responses, instrument, scale_items),
        "item_comparison": baseline.item_comparison(responses, instrument, scale_items, mgs),
        "reliability": baseline.reliability(responses, instrument),
    }
    if instrument.development_discussion is not None:  # its section needs the declared item
        tables["discussion_shares"] = devdisc.discussion_shares(responses, instrument,
                                                                      mgs)
    tables.update(_takehold_tables(dataset))
    return tables


def _takehold_tables(dataset) -> dict[str, pd.DataFrame]:
    """Take-hold tables, when the dataset has more than one wave and the module is present."""
    try:
        from strapetsi_lib.analysis.takehold import prepared_tables
    except ImportError:
        return {}
    return prepared_tables(dataset)


def prepare_tables(dataset, force: bool = False) -> Prepared:
    """Compute (or load from the cache) the prepared tables of a loaded dataset.

    Parameters
    ----------
    dataset
        A :class:`strapetsi_lib.ingest.dataset.Dataset`.
    force
        Recompute even when the cache holds tables for the same inputs.

    Returns
    -------
    Prepared
        The tables; written to the cache when they were computed.
    """
    key = keys.cache_key(dataset.path)
    target = keys.entry_path(dataset.path, key)
    if not force:
        cached = _read_or_discard(target)
        if cached is not None:
            return cached
    prepared = Prepared(
        key=key, dataset_name=dataset.name, dataset_path=str(Path(dataset.path).resolve()),
        instrument_ref=str(dataset.instrument.source or dataset.instrument.id),
        min_group_size=dataset.min_group_size,
        waves=[{"id": w.id, "label": dict(w.label)} for w in dataset.waves],
        tables=compute_tables(dataset),
        colophon=load_dataset_spec(dataset.path).colophon(),
    )
    keys.PREPARED_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    # atomic: parallel report processes never read half a file; 0600: the tables are the
    # dataset's, so only the user who prepared them may read them
    write_atomic(target, entry_bytes(prepared), mode=0o600)
    _remove_earlier_entries(target)
    return prepared


#: Cache entries read into this process by :func:`preload`, by entry path (so by key).
_PRELOADED: dict[Path, Prepared] = {}


def preload(dataset_path: str | Path) -> bool:
    """Read the dataset's cached prepared tables into this process, for its forked children.

    The batch's kernel server calls this before it forks the report kernels
    (:mod:`strapetsi_lib.batch.kernel_server`): each kernel's :func:`load_prepared` then finds
    the tables in memory (shared copy-on-write), their rows already grouped by provider
    (:meth:`Prepared.index_providers`), instead of reading the same entry again. The
    entry is remembered under its path, which holds the key, so a kernel still gets exactly
    the tables of the dataset's current files and code. Best effort: returns ``False`` (and
    remembers nothing) when there is no readable entry; the kernels then read it themselves.
    """
    path = keys.entry_path(dataset_path)
    try:
        prepared = read_entry(path)
    except (CacheEntryError, OSError):
        return False
    prepared.index_providers()
    with contextlib.suppress(InstrumentError):  # a broken instrument is the kernels' to report
        prepared.instrument  # noqa: B018  (read once here: the kernels share it)
    _PRELOADED[path] = prepared
    return True


def load_prepared(dataset_path: str | Path) -> Prepared:
    """The prepared tables of the dataset at ``dataset_path``, computing them if not cached.

    This is what a report notebook calls: it hashes the dataset's files (cheap) and reads the
    cached tables, so a report never re-reads raw responses or recomputes network statistics.
    Tables :func:`preload` read for the same key are returned as they are (treat them as
    read-only, as every caller does).
    """
    path = keys.entry_path(dataset_path)
    if path in _PRELOADED:
        return _PRELOADED[path]
    cached = _read_or_discard(path)
    if cached is not None:
        return cached
    from strapetsi_lib.ingest.dataset import load_dataset

    return prepare_tables(load_dataset(dataset_path))


# --- the cache entry --------------------------------------------------------------------------


def entry_bytes(prepared: Prepared) -> bytes:
    """A cache entry: a zip of one parquet file per table and ``prepared.json``."""
    fields = {f.name: getattr(prepared, f.name) for f in dataclasses.fields(prepared)
              if f.name != "tables"}
    meta = {"format": keys.ENTRY_FORMAT, "versions": keys.library_versions(), "fields": fields,
            "tables": list(prepared.tables)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, table in prepared.tables.items():
            archive.writestr(_member(f"{_TABLES}{name}.parquet"),
                             table.to_parquet(engine="pyarrow", index=True))
        archive.writestr(_member(_METADATA), json.dumps(meta, ensure_ascii=False, indent=1))
    return buffer.getvalue()


def read_entry(path: Path) -> Prepared:
    """Read a cache entry written by :func:`entry_bytes`.

    Raises
    ------
    CacheEntryError
        When the file cannot be read or has the wrong shape; ``reason`` says what is wrong.
    """
    import pyarrow  # noqa: F401 - its errors are among those that mean "unreadable"

    try:
        if path.stat().st_size == 0:
            raise CacheEntryError(path, "the file is empty")
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if _METADATA not in names:
                raise CacheEntryError(path, f"no {_METADATA} in it")
            meta = json.loads(archive.read(_METADATA).decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != keys.ENTRY_FORMAT:
                raise CacheEntryError(path, f"not a format {keys.ENTRY_FORMAT} entry")
            tables = {}
            for name in meta["tables"]:
                member = f"{_TABLES}{name}.parquet"
                if member not in names:
                    raise CacheEntryError(path, f"table {name!r} is missing")
                tables[name] = pd.read_parquet(io.BytesIO(archive.read(member)),
                                               engine="pyarrow")
            return Prepared(**meta["fields"], tables=tables)
    except CacheEntryError:
        raise
    except zipfile.BadZipFile as exc:
        raise CacheEntryError(path, f"not a readable zip file ({exc})") from None
    except (OSError, ValueError, KeyError, TypeError, EOFError, pyarrow.ArrowException) as exc:
        # json, parquet and dataclass errors all mean the same: rebuild
        raise CacheEntryError(path, f"{type(exc).__name__}: {exc}") from None


def _read_or_discard(path: Path) -> Prepared | None:
    """The entry at ``path``; ``None`` when there is none, or when it is unreadable, which is
    then reported in one line and removed so that it is rebuilt."""
    if not path.is_file():
        return None
    try:
        return read_entry(path)
    except CacheEntryError as exc:
        log.warning("%s: unreadable prepared-tables cache (%s); rebuilding it", exc.path,
                    exc.reason)
        with contextlib.suppress(OSError):  # if it cannot go, the rebuilt entry replaces it
            path.unlink(missing_ok=True)
        return None


def _remove_earlier_entries(current: Path) -> None:
    """Remove the dataset's other entries (and pickles of the earlier cache format)."""
    slot = current.name.split("-", 1)[0]
    for path in [*keys.PREPARED_DIR.glob(f"{slot}-*.zip"), *keys.PREPARED_DIR.glob("*.pkl")]:
        if path != current:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


def _member(name: str) -> zipfile.ZipInfo:
    """A zip member with a fixed timestamp, so that the same tables give the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o600 << 16
    return info

"""The prepare stage: network-wide analysis tables, computed once and cached by input content.

Every provider report reads the same network-wide tables (network averages, every provider's place,
models). They are computed here once, vectorised over all providers, and stored under
``.cache/prepared/<key>.pkl`` where the key hashes the dataset's files, the instrument and the
library's own source, so a change to any of them gives a new key and stale tables are never read.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from strapetsi_lib.config import CACHE_DIR, PACKAGE_DIR
from strapetsi_lib.files import sha256_file, write_atomic
from strapetsi_lib.ingest.instrument import Instrument, load_instrument

PREPARED_DIR = CACHE_DIR / "prepared"
CODE_SUFFIXES = {".py", ".yml", ".j2", ".css", ".json"}


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

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def instrument(self) -> Instrument:
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
        providers = self.tables["providers"]
        match = providers[providers["provider_id"] == provider_id]
        if match.empty:
            raise KeyError(f"provider {provider_id!r} is not in dataset {self.dataset_name}")
        return match.iloc[0]

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

    def _provider_positions(self, name: str) -> dict:
        # Kept outside the dataclass fields (and so outside equality and the cache file's
        # schema); built lazily because a report reads a few of the tables only.
        index = self.__dict__.setdefault("_positions_by_table", {})
        if name not in index:
            groups = self.tables[name].groupby("provider_id", sort=False, observed=True)
            index[name] = groups.indices
        return index[name]



def code_fingerprint() -> str:
    """A hash of the library's source and package data, so that new code means new tables."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE_DIR)).encode())
            sha256_file(path, digest)
    return digest.hexdigest()


def dataset_input_files(dataset_path: str | Path) -> list[Path]:
    """The files a dataset is made of: dataset.yml, providers, each wave's responses, instrument."""
    root = Path(dataset_path)
    spec = yaml.safe_load((root / "dataset.yml").read_text(encoding="utf-8"))
    files = [root / "dataset.yml", root / spec["providers"]]
    files += [root / wave["responses"] for wave in spec["waves"]]
    instrument = load_instrument(spec["instrument"], root)
    if instrument.source is not None:
        files.append(Path(instrument.source))
    return files


def cache_key(dataset_path: str | Path) -> str:
    """The cache key of a dataset's prepared tables: its files' bytes plus the library's code."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for path in dataset_input_files(dataset_path):
        digest.update(path.name.encode())
        sha256_file(path, digest)
    return digest.hexdigest()[:20]


def compute_tables(dataset) -> dict[str, pd.DataFrame]:
    """Compute every network-wide table of the baseline analysis for a loaded dataset."""
    from strapetsi_lib.analysis import baseline
    from strapetsi_lib.analysis.scores import dimension_scores, long_dimension_scores

    instrument = dataset.instrument
    responses = dataset.responses
    mgs = dataset.min_group_size
    long_scores = long_dimension_scores(dimension_scores(responses, instrument))
    means = baseline.dimension_means(long_scores)
    rates = baseline.response_rates(responses, dataset.providers)
    scale_items = instrument.scale_item_codes
    tables = {
        "providers": dataset.providers.copy(),
        "response_rates": rates,
        "respondents_by_role": baseline.respondents_by_role(responses, dataset.providers),
        "dimension_means": means,
        "network_dimension_means": baseline.network_dimension_means(long_scores),
        "dimension_ranks": baseline.dimension_ranks(means, mgs),
        "role_dimension_means": baseline.role_dimension_means(long_scores),
        "leader_staff_gap": baseline.leader_staff_gap(long_scores, mgs),
        "item_distributions": baseline.item_distributions(responses, instrument, scale_items),
        "item_comparison": baseline.item_comparison(responses, instrument, scale_items, mgs),
        "reliability": baseline.reliability(responses, instrument),
    }
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
    """
    key = cache_key(dataset.path)
    target = PREPARED_DIR / f"{key}.pkl"
    if target.exists() and not force:
        return _read(target)
    prepared = Prepared(
        key=key, dataset_name=dataset.name, dataset_path=str(Path(dataset.path).resolve()),
        instrument_ref=str(dataset.instrument.source or dataset.instrument.id),
        min_group_size=dataset.min_group_size,
        waves=[{"id": w.id, "label": dict(w.label)} for w in dataset.waves],
        tables=compute_tables(dataset),
    )
    PREPARED_DIR.mkdir(parents=True, exist_ok=True)
    # atomic: parallel report processes never read half a file
    write_atomic(target, pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL), mode=0o600)
    return prepared


def _read(path: Path) -> Prepared:
    with open(path, "rb") as handle:
        return pickle.load(handle)


def load_prepared(dataset_path: str | Path) -> Prepared:
    """The prepared tables of the dataset at ``dataset_path``, computing them if not cached.

    This is what a report notebook calls: it hashes the dataset's files (cheap) and reads the
    cached tables, so a report never re-reads raw responses or recomputes network statistics.
    """
    target = PREPARED_DIR / f"{cache_key(dataset_path)}.pkl"
    if target.exists():
        return _read(target)
    from strapetsi_lib.ingest.dataset import load_dataset

    return prepare_tables(load_dataset(dataset_path))

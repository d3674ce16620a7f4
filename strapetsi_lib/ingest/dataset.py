"""A dataset: its ``dataset.yml``, providers file and one response file per wave, validated.

:func:`load_dataset` is what the rest of the workbench uses: it reads every file, validates
everything in one pass and either returns a :class:`Dataset` with tidy tables or raises
:class:`~strapetsi_lib.errors.DatasetError` listing every problem. Raw data is only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from strapetsi_lib.config import DEFAULT_MIN_GROUP_SIZE, LANGUAGES, ROLES, THEMES
from strapetsi_lib.errors import DatasetError, InstrumentError, Problem
from strapetsi_lib.ingest.instrument import Instrument, load_instrument
from strapetsi_lib.ingest.reading import read_table
from strapetsi_lib.ingest.validation import (
    coverage_problems,
    provider_listing,
    validate_providers,
    validate_responses,
)

DATASET_FILE = "dataset.yml"
_KEYS = ("name", "instrument", "providers", "waves")
_WAVE_KEYS = ("id", "label", "responses")


@dataclass(frozen=True)
class Wave:
    """One survey round: its id, its name in fi/sv/en and its response file (absolute path)."""

    id: str
    label: dict[str, str]
    responses: Path


class Dataset:
    """A validated dataset: providers, tidy responses of every wave, and the instrument.

    Attributes
    ----------
    path : Path
        The dataset folder.
    name : str
    instrument : Instrument
    waves : list of Wave
        In time order, as listed in ``dataset.yml``.
    min_group_size : int
        Smallest group whose figures may be shown.
    providers : pandas.DataFrame
        ``provider_id`` (str), ``name``, ``language`` (``fi``/``sv``), ``region``,
        ``staff_count`` (Int64, ``<NA>`` when absent), ``themes`` (known codes sorted and joined
        by ``;``, ``""`` if none); one row per provider in file order.
    responses : pandas.DataFrame
        One row per respondent and wave: ``respondent_id`` (str), ``provider_id`` (str),
        ``wave`` (ordered categorical of the wave ids), ``role`` (code), then one float64
        column per item in instrument order (NaN = missing; reverse items not reversed). Rows
        in wave order, then file order; RangeIndex.
    """

    def __init__(self, path: Path, name: str, instrument: Instrument, waves: list[Wave],
                 min_group_size: int, providers: pd.DataFrame, responses: pd.DataFrame,
                 providers_file: Path):
        self.path = path
        self.name = name
        self.instrument = instrument
        self.waves = waves
        self.min_group_size = min_group_size
        self.providers = providers
        self.responses = responses
        self._providers_file = providers_file

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, providers={len(self.providers)}, "
                f"waves={self.wave_ids}, respondents={len(self.responses)})")

    @property
    def wave_ids(self) -> list[str]:
        """Wave ids in time order."""
        return [wave.id for wave in self.waves]

    def input_files(self) -> list[Path]:
        """The files the dataset is made of: dataset.yml, providers, responses, instrument."""
        files = [self.path / DATASET_FILE, self._providers_file]
        files += [wave.responses for wave in self.waves]
        if self.instrument.source is not None:
            files.append(Path(self.instrument.source))
        return files


    def theme_membership(self) -> pd.DataFrame:
        """Which development themes each provider takes part in.

        Returns
        -------
        pandas.DataFrame
            Index ``provider_id``; one bool column per theme code in ``config.THEMES``.
        """
        codes = self.providers["themes"].str.split(";")
        return pd.DataFrame(
            {theme: codes.map(lambda c, t=theme: t in c).astype(bool).to_numpy()
             for theme in THEMES},
            index=pd.Index(self.providers["provider_id"], name="provider_id"))

    def provider(self, provider_id: str) -> pd.Series:
        """One provider's row of :attr:`providers`.

        Raises
        ------
        KeyError
            If no provider has this id; the message names it.
        """
        rows = self.providers.loc[self.providers["provider_id"] == provider_id]
        if rows.empty:
            raise KeyError(f"unknown provider {provider_id!r} in dataset {self.name}")
        return rows.iloc[0]

    def summary(self) -> dict:
        """Counts for a quick look.

        Returns
        -------
        dict
            ``name``, ``instrument``, ``providers`` (count), ``languages`` (providers per
            language), ``waves`` (ids), ``respondents`` (per wave: per role code, with zeros),
            ``respondents_total`` (per wave), ``missing_share`` (per wave: share of item
            answers missing, 0–1).
        """
        items = self.instrument.item_codes
        by_role = (self.responses.groupby(["wave", "role"], observed=False).size()
                   .unstack("role", fill_value=0).reindex(columns=list(ROLES), fill_value=0))
        totals = self.responses.groupby("wave", observed=False).size()
        missing = (self.responses[items].isna().groupby(self.responses["wave"], observed=False)
                   .sum().sum(axis=1) / (totals * len(items)))
        languages = self.providers["language"].value_counts()
        return {
            "name": self.name,
            "instrument": self.instrument.id,
            "providers": len(self.providers),
            "languages": {lang: int(languages.get(lang, 0)) for lang in ("fi", "sv")},
            "waves": self.wave_ids,
            "respondents": {w: {role: int(by_role.loc[w, role]) for role in ROLES}
                            for w in self.wave_ids},
            "respondents_total": {w: int(totals.get(w, 0)) for w in self.wave_ids},
            "missing_share": {w: float(missing.get(w, 0.0)) if totals.get(w, 0) else 0.0
                              for w in self.wave_ids},
        }


# --------------------------------------------------------------------------- dataset.yml


def _read_config(folder: Path) -> tuple[dict, list[Problem]]:
    """Read and check dataset.yml; return what could be understood and the problems."""
    where = DATASET_FILE
    file = folder / DATASET_FILE
    if not folder.is_dir():
        return {}, [Problem(where, None, None, f"dataset folder {folder} does not exist")]
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return {}, [Problem(where, None, None, f"file does not exist in {folder}")]
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Problem(where, None, None, f"cannot read the file: {exc}")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return {}, [Problem(where, line, None, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    if not isinstance(doc, dict):
        return {}, [Problem(where, None, None, "must be a mapping with the keys "
                            + ", ".join(_KEYS))]
    problems = [Problem(where, None, key, f"missing key {key}") for key in _KEYS
                if doc.get(key) in (None, "")]
    problems += [Problem(where, None, str(key), f"unknown key {key}")
                 for key in doc if key not in (*_KEYS, "min_group_size")]
    config: dict = {"name": str(doc.get("name") or folder.name),
                    "instrument": doc.get("instrument"), "providers": doc.get("providers")}
    if config["providers"] is not None and not isinstance(config["providers"], str):
        problems.append(Problem(where, None, "providers", "providers must be a file name"))
        config["providers"] = None
    size = doc.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        problems.append(Problem(where, None, "min_group_size",
                                f"min_group_size must be a whole number of at least 1, "
                                f"not {size!r}"))
        size = DEFAULT_MIN_GROUP_SIZE
    config["min_group_size"] = size
    waves, wave_problems = _read_waves(doc.get("waves"))
    config["waves"] = waves
    return config, problems + wave_problems


def _read_waves(raw) -> tuple[list[dict], list[Problem]]:
    where = DATASET_FILE
    if raw is None:
        return [], []
    if not isinstance(raw, list) or not raw:
        return [], [Problem(where, None, "waves", "waves must be a list of waves with "
                            + ", ".join(_WAVE_KEYS))]
    waves, problems, seen = [], [], set()
    # Waves are numbered from 1 in problems, as a person counts them in the file.
    for number, entry in enumerate(raw, start=1):
        key = f"waves[{number}]"
        if not isinstance(entry, dict):
            problems.append(Problem(where, None, key, f"wave {number} must be a mapping with "
                                    + ", ".join(_WAVE_KEYS)))
            continue
        missing = [k for k in _WAVE_KEYS if entry.get(k) in (None, "")]
        problems += [Problem(where, None, f"{key}.{k}", f"wave {number} is missing key {k}")
                     for k in missing]
        problems += [Problem(where, None, f"{key}.{k}", f"wave {number} has unknown key {k}")
                     for k in entry if k not in _WAVE_KEYS]
        wave_id = str(entry["id"]) if "id" not in missing else None
        if wave_id is not None and wave_id in seen:
            problems.append(Problem(where, None, f"{key}.id",
                                    f"wave id {wave_id} is used twice"))
        seen.add(wave_id)
        label = entry.get("label")
        if isinstance(label, str):
            label = dict.fromkeys(LANGUAGES, label)
        elif isinstance(label, dict) and label:
            fallback = str(label.get("en") or next(iter(label.values())))
            label = {lang: str(label.get(lang) or fallback) for lang in LANGUAGES}
        elif "label" not in missing:
            problems.append(Problem(where, None, f"{key}.label",
                                    f"wave {number} label must be a text or fi/sv/en texts"))
        responses = entry.get("responses")
        if "responses" not in missing and not isinstance(responses, str):
            problems.append(Problem(where, None, f"{key}.responses",
                                    f"wave {number} responses must be a file name"))
            responses = None
        if wave_id is not None:
            waves.append({"id": wave_id, "label": label if isinstance(label, dict) else
                          dict.fromkeys(LANGUAGES, wave_id), "responses": responses})
    return waves, problems


# --------------------------------------------------------------------------- loading


def validate_dataset(path: str | Path) -> tuple[Dataset | None, list[Problem]]:
    """Read and validate a dataset folder, collecting every problem in every file.

    Parameters
    ----------
    path
        The dataset folder (holding ``dataset.yml``), or the ``dataset.yml`` file itself.

    Returns
    -------
    dataset : Dataset or None
        The dataset when there is no problem, else ``None``.
    problems : list of Problem
        Every problem found, sorted by file, row and column; empty when the dataset is valid.
        Data problems never raise.
    """
    folder = Path(path)
    if folder.name == DATASET_FILE:
        folder = folder.parent
    folder = folder.resolve()
    config, problems = _read_config(folder)

    instrument = None
    if config.get("instrument") is not None:
        try:
            instrument = load_instrument(str(config["instrument"]), base_dir=folder)
        except InstrumentError as exc:
            problems.append(Problem(DATASET_FILE, None, "instrument", str(exc)))

    providers = listing = None
    providers_name = config.get("providers")
    if providers_name is not None:
        table, found = _read_listed(folder, providers_name, "the providers file")
        problems += found
        if table is not None:
            providers, found = validate_providers(table, providers_name)
            problems += found
            listing = provider_listing(table)
    provider_ids = None if listing is None else listing["provider_id"]

    frames = []
    for wave in config.get("waves", []):
        file_name = wave["responses"]
        if file_name is None:
            continue
        table, found = _read_listed(folder, file_name, f"the responses of wave {wave['id']}")
        problems += found
        if table is None:
            continue
        problems += coverage_problems(table, file_name, wave["id"], listing)
        if instrument is None:
            continue
        tidy, found = validate_responses(table, file_name, instrument, wave["id"],
                                         provider_ids, providers_name or "providers")
        problems += found
        if tidy is not None:
            frames.append(tidy.assign(wave=wave["id"]))

    if problems:
        # Sorted as DatasetError sorts them, so both list problems in the same order.
        return None, DatasetError(folder, problems).problems
    wave_ids = [w["id"] for w in config["waves"]]
    responses = pd.concat(frames, ignore_index=True)
    responses["wave"] = pd.Categorical(responses["wave"], categories=wave_ids, ordered=True)
    responses = responses[["respondent_id", "provider_id", "wave", "role",
                           *instrument.item_codes]]
    waves = [Wave(w["id"], w["label"], folder / w["responses"]) for w in config["waves"]]
    dataset = Dataset(folder, config["name"], instrument, waves, config["min_group_size"],
                      providers, responses, folder / providers_name)
    return dataset, []


def _read_listed(folder: Path, name: str, what: str
                 ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a file named in dataset.yml, saying which entry names it when it is not there."""
    if not (folder / name).is_file():
        return None, [Problem(name, None, None,
                              f"file does not exist ({what}, as named in {DATASET_FILE})")]
    return read_table(folder / name, name)


def load_dataset(path: str | Path) -> Dataset:
    """Load and validate a dataset folder.

    Parameters
    ----------
    path
        The dataset folder (holding ``dataset.yml``), or the ``dataset.yml`` file itself.

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetError
        Carrying every problem found in every file, when there is any.
    """
    dataset, problems = validate_dataset(path)
    if dataset is None:
        raise DatasetError(path, problems)
    return dataset


def format_summary(dataset: Dataset) -> str:
    """A plain-text summary of a valid dataset, as ``strapetsi validate`` prints it.

    Lists providers by language, respondents per wave and role, and the share of item
    answers missing per wave.
    """
    info = dataset.summary()
    langs = ", ".join(f"{lang} {n}" for lang, n in info["languages"].items())
    lines = [f"Dataset {info['name']} (instrument {info['instrument']})",
             f"Providers: {info['providers']} ({langs})",
             "Respondents per wave and role:"]
    width = max(len("wave"), *(len(w) for w in info["waves"]))
    header = f"  {'wave':<{width}}  {'total':>7}" + "".join(f"  {r:>7}" for r in ROLES)
    lines.append(header)
    for wave in info["waves"]:
        counts = "".join(f"  {info['respondents'][wave][r]:>7}" for r in ROLES)
        lines.append(f"  {wave:<{width}}  {info['respondents_total'][wave]:>7}{counts}")
    missing = ", ".join(f"{w} {100 * info['missing_share'][w]:.1f} %" for w in info["waves"])
    lines.append(f"Share of item answers missing: {missing}")
    return "\n".join(lines)

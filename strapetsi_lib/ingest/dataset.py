"""A dataset: its ``dataset.yml``, providers file and the response files of each wave, validated.

:func:`load_dataset` is what the rest of the workbench uses: it reads every file, validates
everything in one pass and either returns a :class:`Dataset` with tidy tables or raises
:class:`~strapetsi_lib.errors.DatasetError` listing every problem. Raw data is only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from strapetsi_lib.errors import DatasetError, InstrumentError, Problem
from strapetsi_lib.ingest.dataset_spec import DATASET_FILE, read_dataset_spec
from strapetsi_lib.ingest.export_map import ExportMap, export_map, export_problems
from strapetsi_lib.ingest.instrument import Instrument, load_instrument, loaded_items
from strapetsi_lib.ingest.problem_list import problem_lines
from strapetsi_lib.ingest.reading import TableReading, read_table
from strapetsi_lib.ingest.validation import (
    column_problems,
    coverage_problems,
    never_answered,
    problem_order,
    provider_listing,
    respondents_across_files,
    validate_providers,
    validate_responses,
    wave_absent_providers,
)

__all__ = ["DATASET_FILE", "Dataset", "Wave", "format_summary", "load_dataset",
           "validate_dataset"]


@dataclass(frozen=True)
class Wave:
    """One survey round: its id, its name in fi/sv/en and its response files (absolute paths;
    one, or one per form when the round was answered on several)."""

    id: str
    label: dict[str, str]
    files: tuple[Path, ...]


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
    providers_file : Path or None
        Where the providers were read from.
    warnings : list of Problem
        What does not stop the reports but is worth knowing: each provider without respondents
        in a later wave (a drop-out; its report says it did not take part in that wave), and
        each file's lines whose trailing empty cells were left out (read as empty answers).
    """

    def __init__(self, path: Path, name: str, instrument: Instrument, waves: list[Wave],
                 min_group_size: int, providers: pd.DataFrame, responses: pd.DataFrame,
                 providers_file: Path | None = None, warnings: list[Problem] | None = None):
        self.path = path
        self.warnings = list(warnings or [])
        self.providers_file = providers_file
        self.name = name
        self.instrument = instrument
        self.waves = waves
        self.min_group_size = min_group_size
        self.providers = providers
        self.responses = responses

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, providers={len(self.providers)}, "
                f"waves={self.wave_ids}, respondents={len(self.responses)})")

    @property
    def wave_ids(self) -> list[str]:
        """Wave ids in time order."""
        return [wave.id for wave in self.waves]

    def theme_membership(self) -> pd.DataFrame:
        """Which development themes each provider takes part in.

        Returns
        -------
        pandas.DataFrame
            Index ``provider_id``; one bool column per theme of the instrument, in its order
            (no columns when it declares none).
        """
        codes = self.providers["themes"].str.split(";")
        return pd.DataFrame(
            {theme: codes.map(lambda c, t=theme: t in c).astype(bool).to_numpy()
             for theme in self.instrument.theme_codes},
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
            language), ``waves`` (ids), ``roles`` (the instrument's role codes),
            ``respondents`` (per wave: per role code, with zeros),
            ``respondents_total`` (per wave), ``missing_share`` (per wave: share of item
            answers missing, 0–1).
        """
        items = self.instrument.item_codes
        roles = self.instrument.role_codes
        by_role = (self.responses.groupby(["wave", "role"], observed=False).size()
                   .unstack("role", fill_value=0).reindex(columns=roles, fill_value=0))
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
            "roles": roles,
            "respondents": {w: {role: int(by_role.loc[w, role]) for role in roles}
                            for w in self.wave_ids},
            "respondents_total": {w: int(totals.get(w, 0)) for w in self.wave_ids},
            "missing_share": {w: float(missing.get(w, 0.0)) if totals.get(w, 0) else 0.0
                              for w in self.wave_ids},
        }


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
        The dataset when there is no problem, else ``None``. What is worth knowing but does not
        stop the reports (a provider without respondents in a wave: it joined late or missed
        it) is in its :attr:`Dataset.warnings`; a provider without respondents in any wave is
        a problem.
    problems : list of Problem
        Every problem found, sorted by file, row and column; empty when the dataset is valid.
        Data problems never raise.
    """
    reading = read_dataset_spec(path)
    folder, problems = reading.folder, list(reading.problems)

    instrument = items = None
    if reading.instrument is not None:
        try:
            instrument = load_instrument(reading.instrument, base_dir=folder)
        except InstrumentError as exc:
            if exc.missing:  # the reference in dataset.yml is what is wrong
                problems += [Problem(DATASET_FILE, reading.line("instrument"), "instrument",
                                     p.message) for p in exc.problems]
            else:  # each problem names the instrument's file, line and key
                problems += exc.problems
                # its problems must not hide the data's: the columns are still checked
                # against the items that did load
                items = loaded_items(reading.instrument, base_dir=folder)

    providers = listing = None
    providers_name = reading.providers
    warnings: list[Problem] = []
    if providers_name is not None:
        table, found, noted = _read_listed(folder, providers_name, "the providers file")
        problems += found
        warnings += noted
        if table is not None:
            providers, found = validate_providers(table, providers_name, instrument)
            problems += found
            listing = provider_listing(table)

    frames = []
    absent_from: list[list[tuple[str, str]]] = []  # per wave whose files were read whole
    for number, wave in enumerate(reading.waves):
        read: list[tuple[pd.DataFrame, str, ExportMap]] = []  # the files read whole
        whole = True
        for index, file_name in enumerate(wave.files):
            table, found, noted = _read_listed(
                folder, file_name, f"the responses of wave {wave.id}")
            problems += found
            warnings += noted
            whole = whole and table is not None and not found
            if table is None or not reading.maps_ok:
                # a column map or value map with problems cannot say what the columns hold
                whole = False
                continue
            export = export_map(reading, number, index)
            problems += export_problems(export, reading, table.columns, file_name, instrument,
                                        listing)
            read.append((table, file_name, export))
            if instrument is None:
                if items is not None:
                    problems += column_problems(table, file_name, items, export)
                continue
            tidy, found = validate_responses(
                table, file_name, instrument, wave.id, listing, providers_name or "providers",
                export, numbered_as=f"{wave.id}-{index + 1}" if len(wave.files) > 1 else None)
            problems += found
            if tidy is not None:
                frames.append(tidy.assign(wave=wave.id))
        problems += respondents_across_files(read, wave.id)
        if whole:  # a file with broken lines says nothing reliable about who answered
            warnings += coverage_problems(read, wave.id, listing)
            absent_from.append(wave_absent_providers(read, listing) or [])

    # A provider may join late or miss a wave (its report compares the waves it has and says
    # so): a warning. One that answered no wave at all has nothing to report: a problem (once
    # the providers file is valid; an id wrong there is its own problem).
    if providers is not None and len(absent_from) == len(reading.waves):
        problems += never_answered(absent_from, providers_name or "providers")

    if problems:
        # Sorted as DatasetError sorts them, "required column" problems first.
        return None, problem_order(DatasetError(folder, problems).problems)
    spec = reading.spec
    wave_ids = [w.id for w in spec.waves]
    responses = pd.concat(frames, ignore_index=True)
    responses["wave"] = pd.Categorical(responses["wave"], categories=wave_ids, ordered=True)
    responses = responses[["respondent_id", "provider_id", "wave", "role",
                           *instrument.item_codes]]
    waves = [Wave(w.id, dict(w.label), tuple(folder / name for name in w.files))
             for w in spec.waves]
    dataset = Dataset(folder, spec.name, instrument, waves, spec.min_group_size,
                      providers, responses, folder / spec.providers,
                      warnings=DatasetError(folder, warnings).problems)
    return dataset, []


def _read_listed(folder: Path, name: str, what: str) -> TableReading:
    """Read a file named in dataset.yml, saying which entry names it when it is not there."""
    if not (folder / name).is_file():
        return TableReading(None, [Problem(
            name, None, None, f"file does not exist ({what}, as named in {DATASET_FILE})")], [])
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
    roles = {role: max(7, len(role)) for role in info["roles"]}  # column widths
    header = f"  {'wave':<{width}}  {'total':>7}" + "".join(f"  {r:>{w}}"
                                                             for r, w in roles.items())
    lines.append(header)
    for wave in info["waves"]:
        counts = "".join(f"  {info['respondents'][wave][r]:>{w}}" for r, w in roles.items())
        lines.append(f"  {wave:<{width}}  {info['respondents_total'][wave]:>7}{counts}")
    missing = ", ".join(f"{w} {100 * info['missing_share'][w]:.1f} %" for w in info["waves"])
    lines.append(f"Share of item answers missing: {missing}")
    if dataset.warnings:
        lines.append(f"{len(dataset.warnings)} warning(s) (the reports are still written):")
        lines += [f"  warning: {line}" for line in problem_lines(dataset.warnings, every=True)]
    return "\n".join(lines)

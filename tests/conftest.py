"""Fixtures that write small datasets the way survey tools and spreadsheets export them.

The tiny dataset has 6 providers and two waves (``baseline``, ``followup``). Its tables are kept
as text (:func:`base_tables`) so that a test can plant a problem in a cell and then write the
dataset in any of the formats real exports come in (:func:`write_dataset`).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from strapetsi_lib.ingest.instrument import load_instrument

INSTRUMENT = load_instrument("competence_management_v1")
ROLES = tuple(INSTRUMENT.role_codes)
WAVES = ("baseline", "followup")
WAVE_LABELS = {
    "baseline": {"fi": "Lähtötilanne 2024", "sv": "Utgångsläge 2024", "en": "Baseline 2024"},
    "followup": {"fi": "Seuranta 2025", "sv": "Uppföljning 2025", "en": "Follow-up 2025"},
}
# Synthetic business IDs with correct check digits (leading zeros on purpose).
PROVIDER_IDS = ("0100013-3", "0213427-2", "0371582-9", "1053720-7", "2264918-5", "0912345-3")
RESPONDENTS_PER_PROVIDER = 6
# Written in place of some answers; all of them mean "missing".
MISSING_TEXTS = ("", "en osaa sanoa", "EOS", "Vet ej", "Don't know", "kan inte säga")
ROLE_LABELS = {
    "fi": {"leader": "Johto / esihenkilö", "teacher": "opettaja", "support": "Tukihenkilöstö",
           "other": "muu"},
    "sv": {"leader": "ledning/chef", "teacher": "Lärare", "support": "stödpersonal",
           "other": "Annan"},
}


def base_tables() -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The tiny dataset as text tables: providers, and responses by wave (item codes as headers).

    Returns fresh copies, so a test may change cells before writing.
    """
    providers = pd.DataFrame({
        "provider_id": list(PROVIDER_IDS),
        "name": ["Turun seudun ammattiopisto", "Savon koulutuskuntayhtymä", "Yrkesinstitutet Väst",
                 "Keski-Pohjan opisto", "Lapin ammattikoulu", "Svenska yrkesskolan i Nyland"],
        "language": ["fi", "fi", "sv", "fi", "fi", "sv"],
        "region": ["Varsinais-Suomi", "Pohjois-Savo", "Pohjanmaa", "Keski-Pohjanmaa", "Lappi",
                   "Uusimaa"],
        "staff_count": ["120", "", "45", "80", "60", "38"],
        "themes": ["quality;pedagogy", "competence", "", "future;quality;competence", "pedagogy",
                   "quality"],
    }, dtype="str")
    rng = np.random.default_rng(20240901)
    responses = {}
    counter = 0
    for wave in WAVES:
        rows = []
        for p, provider_id in enumerate(PROVIDER_IDS):
            for k in range(RESPONDENTS_PER_PROVIDER):
                counter += 1
                row = {"respondent_id": f"{counter:05d}", "provider_id": provider_id,
                       "role": ROLES[(p + k) % len(ROLES)]}
                for item in INSTRUMENT.items:
                    scale = INSTRUMENT.scale_of(item.code)
                    if rng.random() < 0.08:
                        row[item.code] = MISSING_TEXTS[int(rng.integers(len(MISSING_TEXTS)))]
                    else:
                        row[item.code] = str(int(rng.integers(scale.min, scale.max + 1)))
                rows.append(row)
        responses[wave] = pd.DataFrame(rows, dtype="str")
    return providers, responses


def _is_answer(text: str) -> bool:
    return text.isdigit()


def prepare_responses(frame: pd.DataFrame, headers: str = "code", labels: str | None = None,
                      decimal_comma: bool = False) -> pd.DataFrame:
    """Express the same responses as another export would: question-text headers, role and
    scale labels instead of codes and numbers, numbers with a decimal comma."""
    frame = frame.copy()
    items = [i.code for i in INSTRUMENT.items if i.code in frame]
    if labels is not None:
        frame["role"] = frame["role"].map(lambda r: ROLE_LABELS[labels].get(r, r))
        # Label every third answer, as a survey tool exporting labels would for all of them.
        for n, code in enumerate(items):
            if n % 3:
                continue
            scale = INSTRUMENT.scale_of(code)
            frame[code] = frame[code].map(
                lambda t, s=scale: s.labels[int(t)][labels] if _is_answer(t) else t)
    if decimal_comma:
        for code in items:
            frame[code] = frame[code].map(lambda t: f"{t},0" if _is_answer(t) else t)
    if headers != "code":
        frame = frame.rename(columns={i.code: i.text[headers] for i in INSTRUMENT.items})
    return frame


def write_csv(frame: pd.DataFrame, path: Path, sep: str = ",", encoding: str = "utf-8") -> None:
    """Write text cells as a CSV, quoting only where needed (as Excel and survey tools do)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=sep, lineterminator="\r\n")
        writer.writerow(frame.columns)
        writer.writerows(frame.itertuples(index=False))


def write_xlsx(frame: pd.DataFrame, path: Path, text_columns: tuple[str, ...] = ()) -> None:
    """Write a sheet with numbers stored as numbers (4.0 as a float) and ids as text."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if column not in text_columns and _is_answer(value):
                cells.append(float(value) if int(value) % 2 else int(value))
            else:
                cells.append(value if value != "" else None)
        sheet.append(cells)
    book.save(path)


FORMATS = {
    "csv": ("csv", {"sep": ",", "encoding": "utf-8"}, False),
    "csv-bom": ("csv", {"sep": ";", "encoding": "utf-8-sig"}, False),
    "cp1252": ("csv", {"sep": ";", "encoding": "cp1252"}, True),
    "xlsx": ("xlsx", {}, False),
}


def write_table(frame: pd.DataFrame, folder: Path, stem: str, fmt: str,
                text_columns: tuple[str, ...] = ("respondent_id", "provider_id")) -> str:
    """Write a table in one of FORMATS; return its file name."""
    suffix, options, _ = FORMATS[fmt]
    name = f"{stem}.{suffix}"
    if suffix == "xlsx":
        write_xlsx(frame, folder / name, text_columns)
    else:
        write_csv(frame, folder / name, **options)
    return name


def write_dataset(root: Path, *, formats: str | dict[str, str] = "csv", headers: str = "code",
                  labels: str | None = None, providers: pd.DataFrame | None = None,
                  responses: dict[str, pd.DataFrame] | None = None,
                  providers_format: str = "csv", config: dict | None = None,
                  drop_keys: tuple[str, ...] = ()) -> Path:
    """Write the tiny dataset (or the given tables) into ``root`` and return ``root``.

    Parameters
    ----------
    formats
        One of ``csv`` (UTF-8, ``,``), ``csv-bom`` (UTF-8 with BOM, ``;``), ``cp1252``
        (Windows-1252, ``;``, decimal comma) or ``xlsx``; or a format per wave id.
    headers
        ``code`` or a language (``fi``, ``sv``, ``en``) for question-text item headers.
    labels
        A language (``fi``/``sv``) to write roles and some answers as labels.
    providers, responses
        Tables to write instead of :func:`base_tables` (text cells).
    config
        Keys to set in dataset.yml (``None`` values delete the key).
    drop_keys
        Keys to leave out of dataset.yml.
    """
    root.mkdir(parents=True, exist_ok=True)
    base_providers, base_responses = base_tables()
    providers = base_providers if providers is None else providers
    responses = base_responses if responses is None else responses
    if isinstance(formats, str):
        formats = dict.fromkeys(responses, formats)
    providers_name = write_table(providers, root, "providers", providers_format,
                                 text_columns=tuple(providers.columns))
    waves = []
    for wave, frame in responses.items():
        fmt = formats.get(wave, "csv")
        prepared = prepare_responses(frame, headers, labels, decimal_comma=FORMATS[fmt][2])
        name = write_table(prepared, root, f"responses_{wave}", fmt)
        waves.append({"id": wave, "label": WAVE_LABELS.get(wave, {"en": wave}),
                      "responses": name})
    doc = {"name": "tiny-test", "instrument": "competence_management_v1",
           "providers": providers_name, "waves": waves, "min_group_size": 5}
    for key, value in (config or {}).items():
        doc[key] = value
    for key in drop_keys:
        doc.pop(key, None)
    (root / "dataset.yml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def instrument():
    """The packaged instrument."""
    return INSTRUMENT


@pytest.fixture
def tables():
    """Fresh text tables of the tiny dataset: (providers, {wave: responses})."""
    return base_tables()


@pytest.fixture(name="write_dataset", scope="session")
def write_dataset_fixture():
    """:func:`write_dataset`: ``write_dataset(root, formats=..., headers=..., ...) -> root``."""
    return write_dataset


@pytest.fixture(name="write_table", scope="session")
def write_table_fixture():
    """:func:`write_table`: ``write_table(frame, folder, stem, fmt) -> file name``."""
    return write_table


@pytest.fixture
def tiny_dataset(tmp_path) -> Path:
    """A valid tiny dataset written as plain UTF-8 CSV files."""
    return write_dataset(tmp_path / "tiny")


@pytest.fixture(name="prepared", scope="session")
def demo_prepared():
    """The built-in demo's prepared tables, read from the cache (``make test`` generates the
    demo first; the first use after a change of the data or the analysis code computes and
    caches them, as ``strapetsi prepare`` would)."""
    from strapetsi_lib.config import DEMO_DIR
    from strapetsi_lib.prepare import load_prepared

    if not (DEMO_DIR / "dataset.yml").exists():
        pytest.fail("the demo dataset is missing: run `make demo` (make test does)")
    return load_prepared(DEMO_DIR)

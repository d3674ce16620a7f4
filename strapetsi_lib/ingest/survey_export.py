"""``strapetsi init``: propose how a survey tool's exports are read, for a person to review.

Given the exports of a survey (in wave order: ``.csv``, ``.xlsx`` or ``.sav``; a round answered
on several forms, e.g. a Finnish and a Swedish one, gives one export per form), the providers
file and the instrument, :func:`propose` decides what each column holds:

1. **exact**: the header is an item's code or question text (fi, sv, en or an earlier text), or
   ``respondent_id``/``provider_id``/``role`` (what ``strapetsi validate`` reads without a map);
2. **survey-tool header**: it is one once the tools' decoration is taken off (numbering,
   ``Title - statement``, ``Title [statement]``, asterisks, case, spaces, punctuation; see
   :mod:`strapetsi_lib.ingest.matching`);
3. **code map** / **variable label**: LimeSurvey's survey structure (``Q1[SQ001]``) or an SPSS
   variable label gives the question text, which matches as above;
4. **metadata**: times, e-mail, name, IP address, duration, the tool's response number,
   LimeSurvey's ``id``, ``submitdate``, ``lastpage``, ``startlanguage``, ``seed``, ... are
   ignored (a tool's response number links nobody across waves);
5. **provider values** / **role labels**: the provider column is the one whose values are the
   providers file's names or business IDs, the role column the one whose values are role
   labels (read through the code map's answer labels where there is one);
6. **similar**: what is left is compared with the items still without a column, and the most
   similar is proposed with its score (0–100). A similar text is never taken: one changed word
   can turn a statement around, so it is written into ``dataset.yml`` as a commented-out
   ``CHECK`` line for the person to accept or correct;
7. a column like no item is ignored (and listed).

Answers are checked too: codes with a code map become ``values`` (``A1: 1``), and an answer
that is no number, label or "don't know" of the item's scale is proposed, with its most similar
label, as a ``CHECK`` line of ``values``.

:func:`write_dataset_folder` copies the exports, the providers file (and an own instrument)
unchanged into the dataset folder, writes ``dataset.yml`` and the review table ``mapping.csv``.
The proposal is *confident* when every item, the provider and the role column are matched, and
every answer read, without a ``CHECK``.

Two exports given as two waves whose questions are in different languages and that share no
provider are one round's forms given apart: :func:`propose` stops and says how to join them
(``a.xlsx+b.xlsx``), rather than make a follow-up of the other language's answers. Each round's
year is taken from the export's timestamps, else from its file name (:func:`round_year`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from strapetsi_lib.config import DEFAULT_MIN_GROUP_SIZE, INSTRUMENTS_DIR, LANGUAGE_NAMES
from strapetsi_lib.errors import Problem, StrapetsiError
from strapetsi_lib.files import write_atomic
from strapetsi_lib.ingest.dataset_spec import DATASET_FILE, name_problem
from strapetsi_lib.ingest.export_map import provider_keys, provider_name_choices
from strapetsi_lib.ingest.instrument import Instrument, load_instrument, normalise_header
from strapetsi_lib.ingest.limesurvey import CodeMap
from strapetsi_lib.ingest.matching import (
    convention_match,
    header_variants,
    keyed,
    match_key,
    similar,
)
from strapetsi_lib.ingest.reading import (
    MISSING_CODE,
    AnswerParser,
    column_codes,
    parse_roles,
    read_table,
)
from strapetsi_lib.ingest.spss import SAV_SUFFIXES, sav_variable_labels
from strapetsi_lib.ingest.validation import provider_listing

MAPPING_FILE = "mapping.csv"
#: Share of a column's answered rows that must be providers (or roles) for it to be taken as
#: the provider (or role) column.
COLUMN_BY_VALUES = 0.8

#: Headers of survey tools' metadata columns (by match key): Microsoft Forms (en, fi, sv),
#: Google Forms, Webropol, LimeSurvey (codes and full headings), SPSS exports of them.
METADATA_HEADERS = frozenset(match_key(h) for h in (
    "ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
    "Tunnus", "Aloitusaika", "Valmistumisaika", "Sähköposti", "Nimi", "Viimeksi muokattu",
    "Starttid", "Slutförandetid", "E-post", "Namn", "Senast ändrad",
    "Timestamp", "Email address", "Score", "Total score", "Aikaleima", "Sähköpostiosoite",
    "Pisteet", "Tidstämpel", "E-postadress", "Poäng",
    "Vastaajan numero", "Vastaaja numero", "Vastausaika", "Vastauspäivä", "Vastattu",
    "Aloitettu", "Lähetetty", "Kesto", "IP-osoite", "Respondentnummer", "Svarstid",
    "Varaktighet", "IP-adress", "Respondent number", "Response ID", "Respondent ID",
    "Response number", "Duration", "Duration (in seconds)", "IP address", "IP", "User agent",
    "Start date", "End date", "Recorded date", "Progress", "Finished", "Status",
    "id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp",
    "ipaddr", "refurl", "token", "interviewtime", "Date submitted", "Last page",
    "Start language", "Date started", "Date last action", "Referrer URL", "Total time",
))
#: LimeSurvey's timing columns (``groupTime123``, ``Q1Time``) by match key.
_TIMING = re.compile(r"(?:grouptime\d+|[a-z0-9_]+time)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DATETIME = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:[ T]\d{1,2}[:.]\d{2}.*)?")

OK, CHECK, IGNORED, MISSING = "ok", "check", "ignored", "missing"


class InitError(StrapetsiError):
    """The exports cannot be proposed for (an export or the providers file is unreadable)."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        self.problems = list(problems or [])
        lines = "".join(f"\n  {p}" for p in self.problems)
        super().__init__(message + lines)


@dataclass
class Decision:
    """One line of the review table: what a column (or an answer code) was taken to be."""

    wave: str
    file: str
    kind: str          # "column", "answer" or "item" (an item without a column)
    column: str        # the header; for an answer, the column(s) it occurs in
    maps_to: str       # item code, respondent_id, provider_id, role; an answer's meaning
    how: str
    score: int | None
    status: str        # ok, check, ignored, missing
    note: str = ""


@dataclass
class WaveProposal:
    """What one export's columns and answers are taken to be (a round answered on several
    forms has one per export, all with the round's ``wave_id``)."""

    wave_id: str
    source: Path
    file_name: str
    #: the instrument language most of the question headers are written in, if any
    language: str | None = None
    #: the business IDs of the providers that answered
    providers_seen: frozenset[str] = frozenset()
    #: the year the export's timestamps (or, without them, its file name) give
    year: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    #: target → (header, score): similar texts a person must confirm
    uncertain: dict[str, tuple[str, int]] = field(default_factory=dict)
    ignore: list[str] = field(default_factory=list)
    providers_by: str = "id"
    #: scale code, "role" or "provider_id" → code → (meaning, comment, certain)
    values: dict[str, dict[str, tuple[str, str, bool]]] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    #: each value map entry's line of the review, and the columns its code occurs in
    value_decisions: dict[tuple[str, str], Decision] = field(default_factory=dict, repr=False)
    value_columns: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False)

    def keys(self) -> tuple:
        """What dataset.yml says about this export, to see whether waves can share it."""
        return (self.columns, self.uncertain, self.ignore, self.providers_by, self.values)

    @property
    def confident(self) -> bool:
        return all(d.status in (OK, IGNORED) for d in self.decisions)


@dataclass
class Proposal:
    """The proposal for every export, and what it was made with."""

    instrument: Instrument
    instrument_ref: str
    providers: Path
    waves: list[WaveProposal]
    code_map: CodeMap | None = None

    @property
    def decisions(self) -> list[Decision]:
        return [d for wave in self.waves for d in wave.decisions]

    def rounds(self) -> list[list[WaveProposal]]:
        """The exports grouped by round (wave), in wave order."""
        grouped: dict[str, list[WaveProposal]] = {}
        for wave in self.waves:
            grouped.setdefault(wave.wave_id, []).append(wave)
        return list(grouped.values())

    def round_years(self) -> list[int | None]:
        """Each round's year: the one its exports agree on, else ``None``."""
        years = []
        for exports in self.rounds():
            found = {w.year for w in exports if w.year is not None}
            years.append(found.pop() if len(found) == 1 else None)
        return years

    @property
    def confident(self) -> bool:
        """Whether every item, provider and role column and every answer is read without a
        check."""
        return all(wave.confident for wave in self.waves)


# --------------------------------------------------------------------------- proposing


def wave_ids(count: int) -> list[str]:
    """``baseline``, then ``followup`` (or ``followup1``, ``followup2``, ... for several)."""
    if count <= 2:
        return ["baseline", "followup"][:count]
    return ["baseline", *(f"followup{n}" for n in range(1, count))]


def propose(exports: Sequence[Path | Sequence[Path]], providers: Path,
            instrument: str | Path | None = None, code_map: CodeMap | None = None) -> Proposal:
    """Propose how each export is read.

    Parameters
    ----------
    exports
        The survey tool's exports, in wave order: one per wave, or for a round answered on
        several forms, the list of its exports.
    providers
        The providers file (its names and business IDs find the provider column).
    instrument
        A packaged instrument id or an instrument YAML; ``None`` takes the packaged instrument
        whose items the first export's headers name most.
    code_map
        LimeSurvey's survey structure, when the exports carry its codes.

    Raises
    ------
    InitError
        When an export or the providers file cannot be read, or when two waves look like one
        round's forms given apart (see :func:`_rounds_given_apart`).
    """
    rounds = [[entry] if isinstance(entry, Path) else list(entry) for entry in exports]
    round_of = [number for number, files in enumerate(rounds) for _ in files]
    exports = [path for files in rounds for path in files]
    tables = []
    for path in exports:
        table, problems, _ = read_table(path, path.name)
        if table is None:
            raise InitError(f"cannot read the export {path}", problems)
        tables.append(table)
    provider_table, problems, _ = read_table(providers, providers.name)
    listing = provider_listing(provider_table)
    if listing is None or listing.empty:
        raise InitError(f"cannot read the providers of {providers} (it needs the columns "
                        "provider_id and name)", problems)
    texts = [_header_texts(path, table, code_map) for path, table in zip(exports, tables,
                                                                          strict=True)]
    ref = instrument if instrument is not None else _likeliest_instrument(tables[0], texts[0])
    chosen = load_instrument(ref)
    ids = wave_ids(len(rounds))
    waves = [_propose_wave(ids[number], path, table, header_texts, chosen, listing, code_map)
             for number, path, table, header_texts in zip(
                 round_of, exports, tables, texts, strict=True)]
    for wave, table in zip(waves, tables, strict=True):
        wave.language = _header_language(table, chosen)
        wave.providers_seen = _providers_seen(wave, table, listing)
        wave.year = round_year(wave, table)
    _rounds_given_apart(waves, chosen)
    _name_copies(waves)
    return Proposal(chosen, str(ref), providers, waves, code_map)


def _header_language(table: pd.DataFrame, instrument: Instrument) -> str | None:
    """The instrument language in which most headers give an item's question text."""
    by_text = keyed({text: lang for item in instrument.items
                     for lang, text in item.text.items()})
    found = Counter(lang for header in table.columns
                    if (lang := convention_match(header, by_text)) is not None)
    return found.most_common(1)[0][0] if found else None


def _providers_seen(wave: WaveProposal, table: pd.DataFrame, listing: pd.DataFrame
                    ) -> frozenset[str]:
    """The business IDs of the providers whose names or IDs the provider column holds."""
    header = wave.columns.get("provider_id")
    if header is None:
        return frozenset()
    ids, names = provider_keys(listing)
    keys = table[header].map(normalise_header)
    return frozenset(pid for key in pd.unique(keys.to_numpy(dtype=object))
                     if (pid := ids.get(key) or names.get(key)) is not None)


#: A year in a timestamp or a file name (1990–2099), not part of a longer number.
_YEAR = re.compile(r"(?<!\d)(?:199\d|20\d\d)(?!\d)")
#: Excel's serial dates (days since 1899-12-30) that Microsoft Forms' xlsx timestamps are read
#: as: 1990–2099 with a time of day.
_EXCEL_DAYS = (32874, 73051)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def round_year(wave: WaveProposal, table: pd.DataFrame) -> int | None:
    """The year an export's answers were given: the commonest year of its timestamp columns
    (the metadata columns whose values are dates: Microsoft and Google Forms, Webropol,
    LimeSurvey), else the year its file name gives, else ``None``."""
    years: Counter[int] = Counter()
    metadata = [d.column for d in wave.decisions if d.how == "metadata"]
    for header in metadata:
        for cell in table[header].head(500):
            year = _cell_year(cell)
            if year is not None:
                years[year] += 1
    if years:
        return years.most_common(1)[0][0]
    named = _YEAR.findall(wave.source.stem)
    return int(named[-1]) if len(set(named)) == 1 else None


def _cell_year(cell: str) -> int | None:
    """The year of a timestamp cell (text, or an Excel serial date with a time of day)."""
    if _DATETIME.fullmatch(cell):
        found = _YEAR.findall(cell)
        return int(found[0]) if len(found) == 1 else None
    try:
        days = float(cell)
    except ValueError:
        return None
    if _EXCEL_DAYS[0] <= days < _EXCEL_DAYS[1] and days != int(days):
        return (_EXCEL_EPOCH + dt.timedelta(days=int(days))).year
    return None


def _rounds_given_apart(waves: list[WaveProposal], instrument: Instrument) -> None:
    """Stop when two waves given apart look like one round's forms: their questions are in
    different languages and no provider answered both (a follow-up of another language's
    answers would be a change that is no change)."""
    rounds: dict[str, list[WaveProposal]] = {}
    for wave in waves:
        rounds.setdefault(wave.wave_id, []).append(wave)
    singles = [exports[0] for exports in rounds.values() if len(exports) == 1]
    for first, second in zip(singles, singles[1:], strict=False):
        if (first.language and second.language and first.language != second.language
                and first.providers_seen and second.providers_seen
                and not first.providers_seen & second.providers_seen):
            raise InitError(
                f"{first.source.name} and {second.source.name} were given as two waves, but "
                f"their questions are in {LANGUAGE_NAMES[first.language]} and "
                f"{LANGUAGE_NAMES[second.language]} and no "
                "provider answered both: if they are one round's forms, give them joined by "
                f"'+' ({first.source.name}+{second.source.name}); separate waves share "
                "providers")


def _header_texts(path: Path, table: pd.DataFrame, code_map: CodeMap | None
                  ) -> dict[str, tuple[str, list[str]]]:
    """Texts a header stands for besides itself: ``(how, texts)`` by header."""
    if path.suffix.lower() in SAV_SUFFIXES:
        return {h: ("variable label", [label]) for h, label in sav_variable_labels(path).items()}
    if code_map is not None:
        return {h: ("code map", code_map.texts[h]) for h in table.columns
                if h in code_map.texts}
    return {}


def _likeliest_instrument(table: pd.DataFrame, texts: dict) -> str:
    """The packaged instrument whose items the headers name most (exactly or by convention)."""
    best, best_count = None, -1
    for path in sorted(INSTRUMENTS_DIR.glob("*.yml")):
        candidate = load_instrument(path.stem)
        lookup = candidate.header_lookup()
        items = keyed(lookup)
        count = sum(_item_match(h, texts.get(h), lookup, items) is not None
                    for h in table.columns)
        if count > best_count:
            best, best_count = path.stem, count
    return best


def _item_match(header: str, texts: tuple[str, list[str]] | None, lookup: dict[str, str],
                items: dict[str, str]) -> tuple[str, str] | None:
    """``(item code, how)`` for a header that names an item without doubt, else ``None``.

    ``lookup`` is the instrument's :meth:`~Instrument.header_lookup` (what ``strapetsi
    validate`` reads without a column map), ``items`` the same keyed by match key.
    """
    found = lookup.get(normalise_header(header))
    if found is not None:
        return found, "exact"
    found = convention_match(header, items)
    if found is not None:
        return found, "survey-tool header"
    if texts is not None:
        how, alternatives = texts
        for text in alternatives:
            found = convention_match(text, items)
            if found is not None:
                return found, how
    return None


def _propose_wave(wave_id: str, path: Path, table: pd.DataFrame,
                  texts: dict[str, tuple[str, list[str]]], instrument: Instrument,
                  listing: pd.DataFrame, code_map: CodeMap | None) -> WaveProposal:
    wave = WaveProposal(wave_id, path, path.name)
    lookup = instrument.header_lookup()
    items = keyed(lookup)
    fixed = column_codes(table.columns, None)
    taken: dict[str, tuple[str, str]] = {}   # target → (header, how)
    rest: list[str] = []

    def decide(header, target, how, score=100, status=OK, note=""):
        wave.decisions.append(Decision(wave_id, path.name, "column", header, target or "",
                                       how, score, status, note))

    for header in table.columns:
        found = _item_match(header, texts.get(header), lookup, items)
        target, how = found if found else (fixed.get(header), "exact")
        if target is not None and target not in taken:
            taken[target] = (header, how)
            continue
        if target is not None:
            decide(header, "", "exact", status=CHECK,
                   note=f"{target} is already given by column {taken[target][0]!r}: ignored")
            wave.ignore.append(header)
        elif _is_metadata(header, table[header]):
            wave.ignore.append(header)
            decide(header, "", "metadata", status=IGNORED, note="not an answer")
        else:
            rest.append(header)

    answers = code_map.answers if code_map is not None else {}
    if "provider_id" not in taken:
        found = _column_by_values(rest, table, answers, lambda v: _provider_share(v, listing))
        if found:
            taken["provider_id"] = (found, "provider values")
            rest.remove(found)
    if "role" not in taken:
        found = _column_by_values(rest, table, answers,
                                  lambda v: _role_share(v, instrument))
        if found:
            taken["role"] = (found, "role labels")
            rest.remove(found)

    # what is left is compared with the items still without a column
    open_items = {key: code for key, code in items.items() if code not in taken}
    pairs = []
    for header in rest:
        queries = header_variants(header) + list(texts.get(header, ("", []))[1])
        for code, score, _ in similar(queries, open_items):
            pairs.append((score, header, code))
    placed: set[str] = set()
    for score, header, code in sorted(pairs, key=lambda p: -p[0]):
        if header in placed or code in taken or code in wave.uncertain:
            continue
        wave.uncertain[code] = (header, score)
        placed.add(header)
        decide(header, code, "similar", score, CHECK,
               note="similar, not the same text: check, then accept it in dataset.yml")
    for header in rest:
        if header not in placed:
            wave.ignore.append(header)
            decide(header, "", "no item like it", None, IGNORED, note="ignored")

    order = {h: i for i, h in enumerate(table.columns)}
    for target, (header, how) in sorted(taken.items(), key=lambda t: order[t[1][0]]):
        wave.columns[target] = header  # in the file's order, as a person reads the export
        decide(header, target, how)
    for code in instrument.item_codes:
        if code not in taken and code not in wave.uncertain:
            wave.decisions.append(Decision(wave_id, path.name, "item", "", code, "no column",
                                           None, MISSING, "no column holds this item"))
    for target in ("provider_id", "role"):
        if target not in taken:
            wave.decisions.append(Decision(
                wave_id, path.name, "item", "", target, "no column", None, MISSING,
                "no column holds " + ("providers' names or business IDs" if target ==
                                      "provider_id" else "role labels")))
    _propose_values(wave, table, instrument, listing, answers)
    wave.decisions.sort(key=lambda d: (d.kind == "answer", order.get(d.column, len(order))))
    return wave


def _is_metadata(header: str, values: pd.Series) -> bool:
    """A survey tool's metadata column, by its header or by values that are all e-mail
    addresses or dates."""
    key = match_key(header)
    if key in METADATA_HEADERS or (" " not in key and _TIMING.fullmatch(key)):
        return True
    answered = values[values != ""]
    if answered.empty:
        return False
    sample = answered.head(200)
    return bool(sample.map(lambda t: bool(_EMAIL.fullmatch(t) or _DATETIME.fullmatch(t)))
                .mean() >= COLUMN_BY_VALUES)


def _labels(values: pd.Series, answers: dict[str, list[str]] | None) -> pd.Series:
    """The cells as the respondent saw them: an answer code becomes its (first) label."""
    if not answers:
        return values
    return values.map(lambda code: answers[code][0] if code in answers else code)


def _column_by_values(headers: list[str], table: pd.DataFrame, answers: dict, share) -> str | None:
    """The header whose answered cells are most often what ``share`` recognises (at least
    :data:`COLUMN_BY_VALUES` of them)."""
    best, best_share = None, COLUMN_BY_VALUES
    for header in headers:
        values = _labels(table[header], answers.get(header))
        values = values[values != ""]
        if values.empty:
            continue
        found = share(values)
        if found >= best_share:
            best, best_share = header, found
    return best


def _provider_share(values: pd.Series, listing: pd.DataFrame) -> float:
    ids, names = provider_keys(listing)
    keys = values.map(normalise_header)
    return float((keys.isin(ids) | keys.isin(names)).mean())


def _role_share(values: pd.Series, instrument: Instrument) -> float:
    return float(parse_roles(values, instrument).notna().mean())


# --------------------------------------------------------------------------- answers


def _propose_values(wave: WaveProposal, table: pd.DataFrame, instrument: Instrument,
                    listing: pd.DataFrame, answers: dict[str, dict[str, list[str]]]) -> None:
    """The value maps an export needs: its answer codes, and answers no scale reads."""
    item_columns = {**wave.columns, **{c: h for c, (h, _) in wave.uncertain.items()}}
    by_scale: dict[str, list[str]] = {}
    for code, header in item_columns.items():
        if code in instrument.item_codes:
            by_scale.setdefault(instrument.item(code).scale, []).append(header)
    for scale_code, headers in by_scale.items():
        scale = instrument.scales[scale_code]
        parser = AnswerParser(scale, instrument.missing_answers)
        labels = keyed({text: (value, text) for value, texts in scale.labels.items()
                        for text in texts.values()})
        labels.update(keyed({text: (MISSING_CODE, text) for text in instrument.missing_answers}))
        for header in headers:
            coded = answers.get(header, {})
            for cell in pd.unique(table[header].to_numpy(dtype=object)):
                if cell == "":
                    continue
                label = coded[cell][0] if cell in coded else cell
                meaning = _meaning(parser, label)
                if meaning is not None and cell not in coded:
                    continue  # read as it is
                if meaning is not None:
                    _value(wave, scale_code, cell, meaning, label, True, "code map", header)
                    continue
                best = similar([label], labels, limit=1)
                if best:
                    (value, text), score, _ = best[0]
                    _value(wave, scale_code, cell, str(value), text, False, "similar", header,
                           score)
                else:
                    _value(wave, scale_code, cell, "?",
                           f"no label of scale {scale_code} like it", False,
                           "no label like it", header)
    meaning_of = {"role": lambda label: _role_meaning(label, instrument),
                  "provider_id": lambda label: _provider_meaning(wave, label, listing)}
    for target, meaning_for in meaning_of.items():
        header = wave.columns.get(target)
        if header is None:
            continue
        coded = answers.get(header, {})
        for cell in pd.unique(table[header].to_numpy(dtype=object)):
            if cell == "":
                continue
            label = coded[cell][0] if cell in coded else cell
            meaning, how, note, score = meaning_for(label)
            if meaning is not None and cell not in coded and how == "read":
                continue
            certain = meaning is not None and how != "similar"
            _value(wave, target, cell, meaning or "?", note or label, certain,
                   "code map" if cell in coded and certain else how, header, score)


def _meaning(parser: AnswerParser, label: str) -> str | None:
    """The scale's number for an answer (as text), ``missing``, or ``None`` if not read."""
    numbers, invalid = parser.parse(pd.Series([label], dtype=object))
    if invalid.iloc[0]:
        return None
    value = numbers.iloc[0]
    return MISSING_CODE if pd.isna(value) else str(int(value))


def _role_meaning(label: str, instrument: Instrument) -> tuple[str | None, str, str, int | None]:
    role = parse_roles(pd.Series([label], dtype=object), instrument).iloc[0]
    if role is not None:
        return role, "read", label, None
    return None, "no role like it", f"one of {', '.join(instrument.role_codes)}", None


def _provider_meaning(wave: WaveProposal, label: str, listing: pd.DataFrame
                      ) -> tuple[str | None, str, str, int | None]:
    ids, names = provider_keys(listing)
    key = normalise_header(label)
    if key in ids:
        return ids[key], "read", label, None
    if key in names:
        wave.providers_by = "name"
        return label, "read", label, None
    best = similar([label], provider_name_choices(listing), limit=1)
    if best:
        wave.providers_by = "name"
        return best[0][0], "similar", best[0][0], best[0][1]
    return None, "no provider like it", "a name of the providers file", None


def _value(wave: WaveProposal, what: str, code: str, meaning: str, comment: str, certain: bool,
           how: str, header: str, score: int | None = None) -> None:
    """Record what a code of the export means (for ``values``) and its line of the review."""
    entries = wave.values.setdefault(what, {})
    key = (what, code)
    if code in entries:
        decision = wave.value_decisions[key]
        columns = wave.value_columns[key]
        columns.append(header)
        decision.column = ", ".join(columns[:3]) + (" …" if len(columns) > 3 else "")
        if entries[code][0] != meaning:
            # the same code means different answers in different columns: a person decides
            entries[code] = (entries[code][0], f"{entries[code][1]}; in {header} it means "
                                               f"{meaning}", False)
            decision.status, decision.note = CHECK, entries[code][1]
        return
    entries[code] = (meaning, comment, certain)
    decision = Decision(wave.wave_id, wave.file_name, "answer", header,
                        f"values.{what}: {code} → {meaning}", how,
                        score if score is not None else (100 if certain else None),
                        OK if certain else CHECK, comment)
    wave.value_decisions[key] = decision
    wave.value_columns[key] = [header]
    wave.decisions.append(decision)


def _name_copies(waves: list[WaveProposal]) -> None:
    """Give each export a distinct file name in the dataset folder."""
    counts = Counter(w.source.name for w in waves)
    for wave in waves:
        if counts[wave.source.name] > 1:
            wave.file_name = f"{wave.wave_id}_{wave.source.name}"
            for decision in wave.decisions:
                decision.file = wave.file_name


# --------------------------------------------------------------------------- writing


def dataset_name(folder: Path) -> str:
    """A dataset name from the folder's name, when that is a plain name, else ``survey``."""
    return folder.name if name_problem(folder.name) is None else "survey"


def write_dataset_folder(proposal: Proposal, out: Path, labels: list[dict[str, str]],
                         name: str | None = None, replace: bool = False) -> Path:
    """Copy the exports into ``out`` unchanged and write ``dataset.yml`` and ``mapping.csv``.

    Parameters
    ----------
    proposal
        From :func:`propose`.
    out
        The dataset folder (created if needed).
    labels
        Each round's (wave's) label, in the instrument's languages.
    name
        The dataset's name (default: from the folder's name, see :func:`dataset_name`).
    replace
        Replace an existing ``dataset.yml`` (otherwise that is an error).

    Returns
    -------
    Path
        ``out/dataset.yml``, written last, so that an interrupted init leaves no dataset.

    Raises
    ------
    InitError
        When ``out`` already holds a dataset and ``replace`` is not given, or when a file
        would overwrite another.
    """
    out = Path(out)
    if (out / DATASET_FILE).exists() and not replace:
        raise InitError(f"{out} already holds a {DATASET_FILE}; choose another folder or "
                        "replace it with --force")
    out.mkdir(parents=True, exist_ok=True)
    instrument_ref = proposal.instrument_ref
    copies = [(wave.source, wave.file_name) for wave in proposal.waves]
    copies.append((proposal.providers, proposal.providers.name))
    if proposal.instrument.source is not None and not _packaged(proposal.instrument):
        instrument_ref = Path(proposal.instrument.source).name
        copies.append((Path(proposal.instrument.source), instrument_ref))
    if proposal.code_map is not None and proposal.code_map.source is not None:
        # kept beside the exports: it is what explains their codes
        copies.append((proposal.code_map.source, proposal.code_map.source.name))
    names = [target for _, target in copies]
    if len(set(names)) != len(names):
        clash = next(n for n in names if names.count(n) > 1)
        raise InitError(f"two of the files to copy are called {clash}: rename one")
    for source, target in copies:
        if source.resolve() != (out / target).resolve():
            shutil.copy2(source, out / target)
    write_atomic(out / MAPPING_FILE, mapping_csv(proposal))
    return write_atomic(out / DATASET_FILE, dataset_yml(proposal, instrument_ref, labels,
                                                        name or dataset_name(out)))


def _packaged(instrument: Instrument) -> bool:
    return Path(instrument.source).resolve().parent == INSTRUMENTS_DIR.resolve()


def mapping_csv(proposal: Proposal) -> str:
    """The review table as CSV (``;``-separated, UTF-8 with BOM, so that Excel opens it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["wave", "file", "kind", "column", "maps_to", "how", "score", "status",
                     "note"])
    for d in proposal.decisions:
        writer.writerow([d.wave, d.file, d.kind, d.column, d.maps_to, d.how,
                         "" if d.score is None else d.score, d.status, d.note])
    return "\ufeff" + buffer.getvalue()


def _scalar(value: str) -> str:
    """A text as a YAML scalar (quoted where YAML needs it; a whole number as a number, which
    dataset.yml reads as its text)."""
    if re.fullmatch(r"-?[1-9]\d*|0", value):
        return value
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10_000, default_style=None)
    return dumped.removesuffix("\n...\n").strip()


def _map_lines(key: str, entries: list[tuple[str, str, str, bool]], indent: int) -> list[str]:
    """``key:`` and its ``name: value  # comment`` lines; an uncertain entry is commented out
    (``# CHECK``), so that accepting it is taking the comment away (a key whose every entry
    is commented out reads as empty)."""
    pad = " " * indent
    lines = [f"{pad}{key}:"]
    for name, value, comment, active in entries:
        line = f"{_scalar(name)}: {_scalar(value)}"
        if active:
            lines.append(f"{pad}  {line}" + (f"  # {comment}" if comment else ""))
        else:
            lines.append(f"{pad}  # CHECK ({comment}): {line}")
    return lines


def _export_lines(wave: WaveProposal, indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    if wave.providers_by != "id":
        lines.append(f"{pad}providers_by: {wave.providers_by}")
    columns = [(target, header, "", True) for target, header in wave.columns.items()]
    columns += [(target, header, f"similar, score {score}", False)
                for target, (header, score) in wave.uncertain.items()]
    order = {d.column: i for i, d in enumerate(wave.decisions) if d.kind == "column"}
    columns.sort(key=lambda entry: order.get(entry[1], len(order)))
    # what has no column: a line to fill in with the column's header
    columns += [(d.maps_to, "?", d.note, False) for d in wave.decisions
                if d.kind == "item" and d.status == MISSING]
    if columns:
        lines += _map_lines("columns", columns, indent)
    if wave.ignore:
        lines.append(f"{pad}ignore:")
        lines += [f"{pad}- {_scalar(header)}" for header in wave.ignore]
    if wave.values:
        blocks = []
        for what, codes in wave.values.items():
            entries = [(code, meaning, comment, certain)
                       for code, (meaning, comment, certain) in sorted(
                           codes.items(), key=lambda entry: _natural(entry[0]))]
            blocks += _map_lines(what, entries, indent + 2)
        lines += [f"{pad}values:", *blocks]
    return lines


def _responses_lines(exports: list[WaveProposal], shared: bool) -> list[str]:
    """A wave's ``responses`` (one file, a list of files, or files each with its own keys)
    and the keys its exports share."""
    if shared:
        return [f"  responses: {_scalar(exports[0].file_name)}"]
    if len(exports) == 1:
        return [f"  responses: {_scalar(exports[0].file_name)}",
                *_export_lines(exports[0], 2)]
    if all(w.keys() == exports[0].keys() for w in exports):
        return ["  responses: [" + ", ".join(_scalar(w.file_name) for w in exports) + "]",
                *_export_lines(exports[0], 2)]
    lines = ["  responses:"]
    for wave in exports:
        lines.append(f"  - file: {_scalar(wave.file_name)}")
        lines += _export_lines(wave, 4)
    return lines


def _natural(text: str) -> list:
    """A sort key that puts ``A2`` before ``A10``."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", text) if part]


def dataset_yml(proposal: Proposal, instrument_ref: str, labels: list[dict[str, str]],
                name: str) -> str:
    """``dataset.yml`` for the proposal, with its uncertain lines commented out as ``CHECK``."""
    rounds = proposal.rounds()
    shared = all(w.keys() == proposal.waves[0].keys() for w in proposal.waves)
    checks = sum(d.status in (CHECK, MISSING) for d in proposal.decisions)
    lines = [
        f"# Written by `strapetsi init` from {len(proposal.waves)} survey export(s) of "
        f"{len(rounds)} round(s), in wave order.",
        f"# {MAPPING_FILE} lists every column: what it was taken to be, how, and the score.",
    ]
    if checks:
        lines += [
            f"# {checks} line(s) of {MAPPING_FILE} need a check (status check or missing). A "
            "line marked",
            "# CHECK below is NOT in use: correct it (a '?' is yours to fill in), or accept it "
            "by removing",
            "# the '# CHECK (...): ' before it. Then run `strapetsi validate` on this folder.",
        ]
    lines += [
        f"name: {_scalar(name)}",
        f"instrument: {_scalar(instrument_ref)}",
        f"providers: {_scalar(proposal.providers.name)}",
        f"min_group_size: {DEFAULT_MIN_GROUP_SIZE}",
    ]
    if shared:
        lines += _export_lines(proposal.waves[0], 0)
    lines.append("waves:")
    for exports, label in zip(rounds, labels, strict=True):
        if len(exports) > 1 and shared:
            responses = ["  responses: [" + ", ".join(_scalar(w.file_name) for w in exports)
                         + "]"]
        else:
            responses = _responses_lines(exports, shared)
        lines += [f"- id: {_scalar(exports[0].wave_id)}",
                  "  label: {" + ", ".join(f"{lang}: {_scalar(text)}"
                                           for lang, text in label.items()) + "}",
                  *responses]
    return "\n".join(lines) + "\n"


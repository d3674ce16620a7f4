"""Validate the providers file and the response files, reporting every problem in one pass.

Each file's columns are checked with a pandera schema run lazily, so one pass collects every
failing cell; each failure becomes a :class:`~strapetsi_lib.errors.Problem` located by the file
name, the line a person sees and the column header as written in the file. A file that passes
is returned as a tidy table; a file with problems gives ``None`` and its problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
import pandera.pandas as pa

from strapetsi_lib.config import LANGUAGE_CODE_SLIPS, language_list
from strapetsi_lib.errors import Problem
from strapetsi_lib.ingest.export_map import (
    ExportMap,
    provider_name_choices,
    recode,
    resolve_providers,
)
from strapetsi_lib.ingest.instrument import Instrument, normalise_header
from strapetsi_lib.ingest.matching import did_you_mean, header_variants, keyed
from strapetsi_lib.ingest.reading import (
    OPTIONAL_PROVIDER_COLUMNS,
    PROVIDER_COLUMNS,
    RESPONSE_COLUMNS,
    AnswerParser,
    column_codes,
    parse_languages,
    parse_number,
    parse_roles,
    parse_themes,
)
from strapetsi_lib.ingest.ytunnus import ytunnus_problem, ytunnus_problems

# Says what is wrong with one failing cell, given its text.
Describe = Callable[[str], str]


class _FileCheck:
    """The columns of one file under their codes, and how to name them back in problems."""

    def __init__(self, table: pd.DataFrame, name: str, fixed: Iterable[str],
                 instrument: Instrument | None, what: str, where: str = "",
                 export: ExportMap | None = None):
        self.name = name
        self.where = where
        self.instrument = instrument
        self.problems: list[Problem] = []
        self.header_of: dict[str, str] = {}
        export = export or ExportMap()
        codes = column_codes(table.columns, instrument, fixed, export.targets(),
                             export.ignored())
        self.unknown = [header for header, code in codes.items() if code is None]
        choices = _column_choices(instrument, fixed)
        for header, code in codes.items():
            if code is None:
                self.problems.append(Problem(
                    name, None, header,
                    f"unknown column: {what}{did_you_mean(header_variants(header), choices)}"))
            elif code in self.header_of:
                self.problems.append(Problem(
                    name, None, header,
                    f"column gives {code} again (already given by column "
                    f"{self.header_of[code]!r}); only the first is read"))
            else:
                self.header_of[code] = header
        # the column map names these columns, and dataset.yml's problems say they are absent
        self.mapped_away = {target for target, header in export.columns.items()
                            if normalise_header(header) not in
                            {normalise_header(h) for h in table.columns}}
        values = table[list(self.header_of.values())].to_numpy(dtype=object, copy=True)
        # Empty cells become missing so that pandera's nullable rule sees them.
        values[values == ""] = None
        self.frame = pd.DataFrame(values, index=table.index, columns=list(self.header_of),
                                  dtype=object)
        self.messages: dict[tuple[str, str], Describe] = {}

    def check(self, column: str, name: str, test: Callable[[pd.Series], pd.Series],
              describe: Describe) -> pa.Check:
        """A vectorised pandera check whose failures are described by ``describe``."""
        self.messages[(column, name)] = describe
        return pa.Check(test, name=name)

    def header(self, code: str) -> str:
        return self.header_of.get(code, code)

    def first_lines(self, column: str) -> pd.Series:
        values = self.frame[column].dropna()
        return pd.Series(values.index, index=values.to_numpy()).groupby(level=0).min()

    def run(self, columns: dict[str, pa.Column]) -> list[Problem]:
        """Validate lazily and turn every pandera failure into a Problem."""
        try:
            pa.DataFrameSchema(columns, strict=False).validate(self.frame, lazy=True)
        except pa.errors.SchemaErrors as err:
            self.problems += self._problems(err.failure_cases)
        return self.problems

    def _problems(self, cases: pd.DataFrame) -> list[Problem]:
        problems = []
        first: dict[str, pd.Series] = {}
        for column, check, value, index in cases[
                ["column", "check", "failure_case", "index"]].itertuples(index=False):
            line = None if index is None or pd.isna(index) else int(index)
            if check == "column_in_dataframe":
                if value not in self.mapped_away:
                    problems.append(Problem(self.name, None, value, self._missing(value)))
            elif check == "not_nullable":
                problems.append(Problem(self.name, line, self.header(column),
                                        f"{column} is empty"))
            elif check == "field_uniqueness":
                if pd.isna(value):
                    continue  # empty cells are reported as empty, not as duplicates
                if column not in first:
                    first[column] = self.first_lines(column)
                problems.append(Problem(
                    self.name, line, self.header(column),
                    f"{column} {value!r} appears more than once{self.where} (first on line "
                    f"{first[column][value]})"))
            else:
                describe = self.messages.get((column, check))
                message = describe(value) if describe else f"{check} fails for {value!r}"
                problems.append(Problem(self.name, line, self.header(column), message))
        return problems

    def _missing(self, code: str) -> str:
        """Why a required column or an item's column is missing, with the nearest column."""
        if code in RESPONSE_COLUMNS or code in PROVIDER_COLUMNS:
            return f"{REQUIRED_COLUMN} {code} is missing"
        item = self.instrument.item(code)
        hint = did_you_mean([*item.text.values(), code], keyed({h: h for h in self.unknown}),
                            "column ")
        return (f"no column for item {code}: name a column by the item code or by its question "
                f"text in {language_list(self.instrument.languages)}{hint}")


#: How a "required column" problem starts; such problems are listed first
#: (:func:`problem_order`), since one of them explains many others.
REQUIRED_COLUMN = "required column"


def problem_order(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in the order to show them: "required column" problems first, then the rest
    as given (by file, row and column)."""
    return sorted(problems, key=lambda p: not p.message.startswith(REQUIRED_COLUMN))


def _column_choices(instrument: Instrument | None, fixed: Iterable[str]) -> dict[str, str]:
    """What an unknown column may have meant: ``item (text)`` or a fixed column, by match key."""
    texts = {code: code for code in fixed}
    if instrument is not None:
        for item in instrument.items:
            texts[item.code] = item.code
            for text in item.text.values():
                texts[text] = f"{item.code}: {text}"
        for key, code in instrument.header_lookup().items():
            texts.setdefault(key, code)  # e.g. an item's earlier texts
    return keyed(texts)


def _language_slip(code: str) -> str:
    """`` (did you mean 'sv'?)`` for a code often written for a language by mistake."""
    meant = LANGUAGE_CODE_SLIPS.get(normalise_header(code))
    return f" (did you mean {meant!r}?)" if meant else ""


def _ytunnus_check(fc: _FileCheck, column: str = "provider_id",
                   names: Iterable[str] = ()) -> pa.Check:
    names = {normalise_header(name) for name in names}

    def test(values: pd.Series) -> pd.Series:
        return ytunnus_problems(values).isna()

    def describe(value: str) -> str:
        if normalise_header(value) in names:
            return (f"{value!r} is a provider's name, not its business ID: write "
                    "providers_by: name in dataset.yml")
        return ytunnus_problem(value) or f"{value!r} is not a valid business ID"

    return fc.check(column, "ytunnus", test, describe)


# --------------------------------------------------------------------------- providers


def validate_providers(table: pd.DataFrame, name: str, instrument: Instrument | None = None
                       ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate the providers file and return it tidy.

    Parameters
    ----------
    table
        The file as read by :func:`strapetsi_lib.ingest.reading.read_table`.
    name
        The file's name relative to the dataset folder, for problems.
    instrument
        Gives the languages a report can be written in and the development themes; ``None``
        when it could not be loaded (then neither is checked).

    Returns
    -------
    providers : pandas.DataFrame or None
        ``provider_id``, ``name``, ``language`` (``fi``/``sv``), ``region``, ``staff_count``
        (Int64, missing when not given), ``themes`` (the instrument's theme codes sorted and
        joined by ``;``; ``""`` for none, or when the file has no themes column); ``None`` when
        there are problems.
    problems : list of Problem
    """
    fc = _FileCheck(table, name, PROVIDER_COLUMNS, None,
                    "the providers file has the columns " + ", ".join(PROVIDER_COLUMNS))
    frame = fc.frame
    language_check = fc.check("language", "language", lambda s: parse_languages(s).notna(),
                              lambda v: f"language {v!r} is not fi or sv{_language_slip(v)}")
    language_checks = [language_check]
    if instrument is not None:
        # A report is written in the provider's language from the instrument's texts.
        language_checks.append(fc.check(
            "language", "instrument_language",
            lambda s: parse_languages(s).isin(instrument.languages) | parse_languages(s).isna(),
            lambda v: (f"the instrument {instrument.id} has no texts in {v!r} (its languages "
                       f"are {', '.join(instrument.languages)}): add them to the instrument")))
    staff_check = fc.check("staff_count", "staff_count", _staff_counts_ok,
                           lambda v: f"staff_count {v!r} is not a whole number of at least 1")
    themes = instrument.theme_codes if instrument is not None else None
    themes_check = fc.check("themes", "themes", lambda s: _themes_ok(s, themes),
                            lambda v: _describe_themes(v, themes))
    columns = {
        "provider_id": pa.Column(nullable=False, unique=True, report_duplicates="exclude_first",
                                 checks=[_ytunnus_check(fc)]),
        "name": pa.Column(nullable=False),
        "language": pa.Column(nullable=False, checks=language_checks),
        "region": pa.Column(nullable=True),
        "staff_count": pa.Column(nullable=True, checks=[staff_check],
                                 required="staff_count" not in OPTIONAL_PROVIDER_COLUMNS),
        "themes": pa.Column(nullable=True, checks=[themes_check],
                            required="themes" not in OPTIONAL_PROVIDER_COLUMNS),
    }
    problems = fc.run(columns)
    if problems:
        return None, problems
    staff = (frame["staff_count"].map(_staff_count, na_action="ignore")
             if "staff_count" in frame else pd.Series(pd.NA, index=frame.index))
    providers = pd.DataFrame({
        "provider_id": frame["provider_id"].astype("str"),
        "name": frame["name"].astype("str"),
        "language": parse_languages(frame["language"]).astype("str"),
        "region": frame["region"].fillna("").astype("str"),
        "staff_count": pd.array(staff.to_numpy(dtype=object), dtype="Int64"),
        "themes": (frame["themes"].fillna("").map(
            lambda t: ";".join(parse_themes(t, themes or ())[0])).astype("str")
            if "themes" in frame else ""),
    }).reset_index(drop=True)
    return providers, []


def _staff_counts_ok(values: pd.Series) -> pd.Series:
    return values.map(_staff_count, na_action="ignore").notna() | values.isna()


def _themes_ok(values: pd.Series, themes: list[str] | None) -> pd.Series:
    if themes is None:  # the instrument could not be loaded: its themes are not known
        return pd.Series(True, index=values.index)
    return values.fillna("").map(lambda text: not parse_themes(text, themes)[1])


def _describe_themes(value: str, themes: list[str] | None) -> str:
    unknown = ", ".join(parse_themes(value, themes or ())[1])
    if not themes:
        return (f"unknown theme(s) {unknown} in {value!r}: the instrument declares no themes, so "
                "leave the column empty")
    return (f"unknown theme(s) {unknown} in {value!r}: use the instrument's themes "
            f"{', '.join(themes)} separated by ;")


def _staff_count(text: str) -> int | None:
    number = parse_number(text)
    if number is None or number != int(number) or number < 1:
        return None
    return int(number)


# --------------------------------------------------------------------------- responses


def validate_responses(table: pd.DataFrame, name: str, instrument: Instrument, wave: str,
                       listing: pd.DataFrame | None, providers_name: str = "providers",
                       export: ExportMap | None = None, numbered_as: str | None = None
                       ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate one wave's response file and return it tidy.

    Parameters
    ----------
    table
        The file as read by :func:`strapetsi_lib.ingest.reading.read_table`.
    name
        The file's name relative to the dataset folder, for problems.
    instrument
        Gives the item columns and their scales.
    wave
        The wave id, for messages and for numbering respondents of an export without ids.
    listing
        The providers' IDs and names (:func:`provider_listing`); ``None`` when the providers
        file could not be read (then unknown providers are not reported).
    providers_name
        The providers file's name, for messages.
    export
        How ``dataset.yml`` says this export is read (column map, ignore list, value maps);
        ``None`` for a file in the workbench's own layout.
    numbered_as
        What the numbers of respondents of an export without ids start with (default: the
        wave id; one of several files of a wave needs its own).

    Returns
    -------
    responses : pandas.DataFrame or None
        ``respondent_id``, ``provider_id`` (business ID), ``role`` (code), then one float64
        column per item in instrument order (NaN = missing), in file order; ``None`` when there
        are problems. An export that ``dataset.yml`` maps and that has no respondent-id column
        has its respondents numbered ``<numbered_as>-<line>``.
    problems : list of Problem
    """
    export = export or ExportMap()
    fc = _FileCheck(table, name, RESPONSE_COLUMNS, instrument,
                    f"neither {', '.join(RESPONSE_COLUMNS)} nor an item code or question text "
                    f"of instrument {instrument.id}", where=f" in wave {wave}", export=export)
    frame = fc.frame
    roles = (parse_roles(recode(frame["role"], export.codes("role")), instrument)
             if "role" in frame else None)
    providers = (resolve_providers(frame["provider_id"], export, listing)
                 if "provider_id" in frame else None)
    numbered = export.maps_columns and "respondent_id" not in frame
    columns = {
        "respondent_id": pa.Column(nullable=False, unique=True, required=not numbered,
                                   report_duplicates="exclude_first"),
        "provider_id": pa.Column(nullable=False,
                                 checks=_provider_checks(fc, providers, export, listing,
                                                         providers_name)),
        "role": pa.Column(nullable=False, checks=[fc.check(
            "role", "role", lambda s: roles.loc[s.index].notna(),
            lambda v: f"unknown role {v!r}: use {_role_names(instrument)}, or give its "
                      "meaning in dataset.yml's values.role")]),
    }
    numbers, invalid = _parse_items(frame, instrument, export)
    for code in instrument.item_codes:
        checks = []
        # Answers are parsed once per scale above; a check is attached only where that found
        # a bad cell, as pandera's cost per check would otherwise dominate loading.
        if code in invalid and invalid[code].any():
            scale = instrument.scale_of(code)
            parser = AnswerParser(scale, instrument.missing_answers, export.codes(scale.code))
            suffix = "" if fc.header(code) == code else f" (item {code})"
            checks.append(fc.check(
                code, "answer", lambda s, bad=invalid[code]: ~bad.reindex(s.index),
                lambda v, p=parser, sfx=suffix: p.describe(v) + sfx))
        columns[code] = pa.Column(nullable=True, checks=checks)
    problems = fc.run(columns)
    if problems:
        return None, problems
    prefix = numbered_as or wave
    respondents = (pd.Series([f"{prefix}-{line}" for line in frame.index], index=frame.index)
                   if numbered else frame["respondent_id"])
    tidy = pd.DataFrame({
        "respondent_id": respondents.astype("str"),
        "provider_id": providers.astype("str"),
        "role": roles.astype("str"),
        **numbers,
    }).reset_index(drop=True)
    return tidy, []


def column_problems(table: pd.DataFrame, name: str, items: Instrument,
                    export: ExportMap | None = None) -> list[Problem]:
    """The problems of a response file's columns alone: columns that are no item, and items
    without a column. For an instrument that has problems, checked against the items that
    did load (:func:`~strapetsi_lib.ingest.instrument.loaded_items`), as
    :func:`validate_responses` would check them."""
    export = export or ExportMap()
    fc = _FileCheck(table, name, RESPONSE_COLUMNS, items,
                    f"neither {', '.join(RESPONSE_COLUMNS)} nor an item code or question text "
                    f"of instrument {items.id}", export=export)
    numbered = export.maps_columns and "respondent_id" not in fc.frame
    columns = {code: pa.Column(nullable=True, required=not (numbered and
                                                            code == "respondent_id"))
               for code in (*RESPONSE_COLUMNS, *items.item_codes)}
    return fc.run(columns)


def _provider_checks(fc: _FileCheck, providers: pd.Series | None, export: ExportMap,
                     listing: pd.DataFrame | None, providers_name: str) -> list[pa.Check]:
    """The checks of the provider column: business IDs of listed providers, or (with
    ``providers_by: name`` or a ``values.provider_id`` map) cells that resolve to one."""
    known = None if listing is None else pd.Index(listing["provider_id"])
    if export.providers_by == "name" or export.codes("provider_id"):
        if providers is None or listing is None:
            return []
        choices = provider_name_choices(listing)
        by = "a provider's name" if export.providers_by == "name" else "a business ID"
        return [fc.check(
            "provider_id", "known_provider",
            lambda s: providers.loc[s.index].isin(known),
            lambda v: f"provider {v!r} is not {by} in the providers file {providers_name} "
                      f"(nor a code in dataset.yml's values.provider_id)"
                      f"{did_you_mean([v], choices)}")]
    checks = [_ytunnus_check(fc, names=() if listing is None else listing["name"])]
    if known is not None:
        checks.append(fc.check(
            "provider_id", "known_provider",
            # A malformed ID is reported as such; only well-formed IDs can be unknown ones.
            lambda s: s.isin(known) | ytunnus_problems(s).notna(),
            lambda v: f"provider {v!r} is not in the providers file {providers_name}"))
    return checks


def _role_names(instrument: Instrument) -> str:
    """The instrument's roles as a message lists them: codes, then the labels accepted too."""
    labels = "; ".join(", ".join(dict.fromkeys(role.label[lang] for role in instrument.roles))
                       for lang in instrument.languages)
    return f"{', '.join(instrument.role_codes)} (or {labels})"


def _parse_items(frame: pd.DataFrame, instrument: Instrument, export: ExportMap
                 ) -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    """Parse every item column present, all items of a scale as one block."""
    by_scale: dict[str, list[str]] = {}
    for code in instrument.item_codes:
        if code in frame:
            by_scale.setdefault(instrument.item(code).scale, []).append(code)
    numbers: dict[str, pd.Series] = {}
    invalid: dict[str, pd.Series] = {}
    for scale, codes in by_scale.items():
        parser = AnswerParser(instrument.scales[scale], instrument.missing_answers,
                              export.codes(scale))
        values, bad = parser.parse_block(frame[codes].to_numpy(dtype=object))
        for j, code in enumerate(codes):
            numbers[code] = pd.Series(values[:, j], index=frame.index)
            invalid[code] = pd.Series(bad[:, j], index=frame.index)
    # Instrument order, whatever order the file has its columns in.
    return {c: numbers[c] for c in instrument.item_codes if c in numbers}, invalid


def provider_listing(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """The providers a providers file lists, even when it has problems.

    Response files are checked against these, so that a problem in one provider's row does not
    hide unknown providers in the response files.

    Returns
    -------
    pandas.DataFrame or None
        ``provider_id`` and ``name`` (first row of each non-empty id); ``None`` when the file
        has no provider_id column.
    """
    if table is None:
        return None
    codes = column_codes(table.columns, None, PROVIDER_COLUMNS)
    header_of = {c: h for h, c in reversed(list(codes.items())) if c is not None}
    if "provider_id" not in header_of:
        return None
    listing = pd.DataFrame({
        "provider_id": table[header_of["provider_id"]].to_numpy(dtype=object),
        "name": (table[header_of["name"]].to_numpy(dtype=object) if "name" in header_of
                 else ""),
    })
    listing = listing[listing["provider_id"] != ""]
    return listing.drop_duplicates("provider_id").reset_index(drop=True)


def _column_of(table: pd.DataFrame, export: ExportMap, code: str) -> str | None:
    """The header, as written, of the response file's column that holds ``code``
    (``provider_id``, ``respondent_id``), or ``None``."""
    codes = column_codes(table.columns, None, mapped=export.targets(),
                         ignored=export.ignored())
    return next((h for h, c in codes.items() if c == code), None)


def absent_providers(table: pd.DataFrame | None, providers: pd.DataFrame | None,
                     export: ExportMap | None = None) -> list[tuple[str, str]] | None:
    """The providers (id, name) without any respondent in a response file, in the providers
    file's order; ``None`` when the file or the providers cannot tell.

    ``export`` is how ``dataset.yml`` says the file is read (which column is the provider's,
    and whether it holds names or codes).
    """
    if table is None or providers is None:
        return None
    export = export or ExportMap()
    header = _column_of(table, export, "provider_id")
    if header is None:
        return None
    present = set(resolve_providers(table[header], export, providers).dropna())
    return [(pid, pname) for pid, pname in zip(providers["provider_id"], providers["name"],
                                                strict=True) if pid not in present]


#: One response file of a wave as read: its table, its name and how dataset.yml maps it.
WaveFile = tuple[pd.DataFrame, str, ExportMap]


def wave_absent_providers(files: list[WaveFile], providers: pd.DataFrame | None
                          ) -> list[tuple[str, str]] | None:
    """The providers (id, name) without any respondent in any of a wave's files (a round
    answered on several forms has several), in the providers file's order; ``None`` when a
    file or the providers cannot tell."""
    absent = [absent_providers(table, providers, export) for table, _, export in files]
    if not absent or any(a is None for a in absent):
        return None
    elsewhere = [set(a) for a in absent[1:]]
    return [entry for entry in absent[0] if all(entry in other for other in elsewhere)]


def coverage_problems(files: list[WaveFile], wave: str, providers: pd.DataFrame | None
                      ) -> list[Problem]:
    """Report each provider that has no respondent in a wave.

    Parameters
    ----------
    files
        The wave's response files as read, with their names and maps.
    wave
        The wave id, for problems.
    providers
        ``provider_id`` and ``name`` of the providers (see :func:`provider_listing`).

    Returns
    -------
    list of Problem
        With no row (the problem concerns the wave as a whole); for a wave of one file, that
        file and its provider column as written; for several, their names joined by ``+``.
    """
    absent = wave_absent_providers(files, providers)
    if not absent:
        return []
    if len(files) == 1:
        table, name, export = files[0]
        where, header = name, _column_of(table, export, "provider_id")
    else:
        where, header = " + ".join(name for _, name, _ in files), None
    return [Problem(where, None, header,
                    f"provider {pid} ({pname}) has no respondents in wave {wave}")
            for pid, pname in absent]


def respondents_across_files(files: list[WaveFile], wave: str) -> list[Problem]:
    """A respondent id given in more than one of a wave's files: one problem per repeat,
    at its line, naming the file and line where it came first."""
    problems: list[Problem] = []
    seen: dict[str, tuple[str, int]] = {}
    for table, name, export in files:
        header = _column_of(table, export, "respondent_id")
        if header is None:
            continue
        here: dict[str, int] = {}
        for line, value in table[header].items():
            if value == "" or value in here:  # empty or repeated within a file: its own check
                continue
            here[value] = int(line)
            if value in seen:
                first_file, first_line = seen[value]
                problems.append(Problem(
                    name, int(line), header,
                    f"respondent_id {value!r} is also in {first_file} (line {first_line}); "
                    f"the files of wave {wave} must not share respondent ids"))
        for value, line in here.items():
            seen.setdefault(value, (name, line))
    return problems


def never_answered(absent_by_wave: list[list[tuple[str, str]]],
                   providers_file: str) -> list[Problem]:
    """One problem for each provider absent from every wave (:func:`absent_providers` of each
    wave, in wave order).

    A provider that joined late or missed a wave still has a report; one that answered no wave
    has nothing to report, and the providers file lists it by mistake or too early.
    """
    if not absent_by_wave:
        return []
    later = [{pid for pid, _ in absent} for absent in absent_by_wave[1:]]
    return [Problem(providers_file, None, "provider_id",
                    f"provider {pid} ({pname}) has no respondents in any wave; remove it from "
                    f"{providers_file} until it takes part")
            for pid, pname in absent_by_wave[0] if all(pid in ids for ids in later)]

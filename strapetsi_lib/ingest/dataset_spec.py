"""``dataset.yml``: its typed schema, read in this one place.

Every stage that needs to know what a dataset is made of asks here: validation
(:func:`strapetsi_lib.ingest.dataset.validate_dataset`), the prepare stage's cache key and the
batch's run folder (:func:`dataset_input_files`, :func:`read_dataset_spec`). The schema is a
pydantic model; its errors become :class:`~strapetsi_lib.errors.Problem` lines
``dataset.yml:LINE:key: message``, the line taken from the YAML node of the key (or of the
nearest enclosing entry when the key is missing).

The file::

    name: demo-2024                  # a plain name: it becomes the report folder's name
    instrument: competence_management_v1   # a packaged id or a YAML path (relative here)
    providers: providers.csv
    min_group_size: 5                # optional, default 5
    report_date: 2026-01-15          # optional: the date the reports give (default: the day made)
    contact: {name: Maija Meikäläinen, email: maija@example.fi}   # optional: questions to
    coordinator: {name: Matti Virtanen, email: matti@example.fi}  # optional: the network's
    waves:                           # in time order
      - id: baseline
        label: {fi: Alkukartoitus 2024, sv: Baslinje 2024, en: Baseline 2024}  # or one text
        responses: responses_baseline.csv
      - id: w2025                    # one round answered on several forms (fi and sv):
        label: {fi: Kysely 2025, sv: Enkät 2025}
        responses: [kysely_fi.xlsx, kysely_sv.xlsx]   # or, where the forms differ:
        # responses:
        #   - file: kysely_fi.xlsx
        #     columns: {provider_id: Organisaatiosi, ...}
        #   - file: kysely_sv.xlsx
        #     columns: {provider_id: Din organisation, ...}

How a survey tool's export is read, written by ``strapetsi init`` (all optional; at the top
level for every wave, inside a wave, where a key replaces the top-level one for that wave, or
inside one file of a wave's ``responses`` list, where it replaces the wave's)::

    columns:                         # what a column holds → its header in the export
      provider_id: Oppilaitos
      role: Tehtävä
      plan1: "3. Osaamisen ennakointi - Organisaatiomme strategiassa ..."
    ignore: [Start time, Email]      # columns that are not answers
    providers_by: name               # the provider column holds names (default: id, Y-tunnus)
    values:                          # what the export's codes mean: per scale, role, provider_id
      agreement: {A1: 1, A2: 2, A6: missing}
      role: {A1: leader}

:mod:`strapetsi_lib.ingest.export_map` resolves and checks these keys against the instrument.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)
from pydantic_core import PydanticCustomError

from strapetsi_lib.config import DEFAULT_MIN_GROUP_SIZE, LANGUAGES
from strapetsi_lib.errors import DatasetError, Problem
from strapetsi_lib.files import load_yaml
from strapetsi_lib.ingest.encoding import UndecodableText, UnreadableFile, decode_text

DATASET_FILE = "dataset.yml"

#: A dataset name becomes a folder name (``reports/<name>``), so it may hold only letters,
#: digits, ``.``, ``-`` and ``_``, may not start with a dot and may not contain ``..``.
NAME_PATTERN = re.compile(r"[^\W_.][\w.\-]*|_[\w.\-]*")
NAME_MAX_LENGTH = 100

KeyPath = tuple[str | int, ...]


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a dataset name, or ``None`` when it can (see :data:`NAME_PATTERN`)."""
    if not NAME_PATTERN.fullmatch(name) or ".." in name:
        return (f"name {name!r} must be a plain name: letters, digits, '.', '-' and '_' only, "
                "not starting with a dot, without '..' or '/' (it becomes the report folder's "
                "name)")
    if len(name) > NAME_MAX_LENGTH:
        return f"name is longer than {NAME_MAX_LENGTH} characters"
    return None


def outside_folder(path: str) -> bool:
    """Whether a path written in ``dataset.yml`` can lead out of the dataset folder (absolute,
    a drive, or ``..``): a ``dataset.yml`` received from someone else must not make a run read,
    and publish aggregates of, files elsewhere on the machine."""
    posix = PurePosixPath(path.replace("\\", "/"))
    return posix.is_absolute() or bool(PureWindowsPath(path).drive) or ".." in posix.parts


def _inside_folder(value: Any) -> Any:
    if isinstance(value, str) and outside_folder(value):
        raise ValueError(f"the file {value} is outside the dataset folder; name a file inside it")
    return value


def _scalar_text(value: Any) -> Any:
    """YAML reads ``2024`` as a number; as an id or a name it means the text ``"2024"``."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


#: The keys that say how a survey tool's export is read (see the module docstring).
EXPORT_KEYS = ("columns", "ignore", "providers_by", "values")


class ExportKeys(BaseModel):
    """How a survey tool's export is read: a column map, an ignore list, value maps.

    Every key is optional. Texts are kept as written; what they name (items, scales, roles,
    providers) is checked against the instrument and the providers file by
    :mod:`strapetsi_lib.ingest.export_map`, which also applies them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: What a column holds (an item code, ``respondent_id``, ``provider_id`` or ``role``) →
    #: the column's header as the export writes it.
    columns: dict[str, str] | None = None
    #: Headers of the columns that hold no answers (times, e-mail, name, ...).
    ignore: list[str] | None = None
    #: Whether the provider column holds business IDs (``id``) or providers' names (``name``).
    providers_by: Literal["id", "name"] | None = None
    #: Codes the export writes → what they mean, by scale code, ``role`` or ``provider_id``.
    values: dict[str, dict[str, str]] | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _texts_by_key(cls, value: Any) -> Any:
        if value is None:  # a key whose every entry is commented out (a CHECK line)
            return {}
        if isinstance(value, dict):
            return {_scalar_text(k): _scalar_text(v) for k, v in value.items()}
        return value

    @field_validator("ignore", mode="before")
    @classmethod
    def _list_of_texts(cls, value: Any) -> Any:
        if value is None:
            return []
        return [_scalar_text(v) for v in value] if isinstance(value, list) else value

    @field_validator("values", mode="before")
    @classmethod
    def _code_texts(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, dict):
            return {_scalar_text(k): ({_scalar_text(code): _scalar_text(meaning)
                                      for code, meaning in codes.items()}
                                     if isinstance(codes, dict) else
                                     {} if codes is None else codes)
                    for k, codes in value.items()}
        return value

    @field_validator("columns", "values")
    @classmethod
    def _no_empty_texts(cls, value: dict | None) -> dict | None:
        for key, text in (value or {}).items():
            if not key.strip() or (isinstance(text, str) and not text.strip()):
                raise ValueError(f"{key or 'a key'} is empty: write a text")
        return value

    def export_keys(self) -> dict[str, Any]:
        """The export keys given here (``None`` for those not given)."""
        return {key: getattr(self, key) for key in EXPORT_KEYS}


class ResponseFile(ExportKeys):
    """One export of a wave's answers: ``file``, and optionally its own export keys (a wave
    answered on a Finnish and a Swedish form has two, each with its own headers)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = Field(min_length=1)

    _file_text = field_validator("file", mode="before")(_scalar_text)
    _file_inside = field_validator("file")(_inside_folder)


def _response_files(value: Any) -> Any:
    """``responses: a.csv`` and ``responses: [a.xlsx, b.xlsx]`` as the list of files they
    name (each ``{file: ...}``); a list's entries may also be mappings with their own keys."""
    value = _scalar_text(value)
    if isinstance(value, str):
        return [{"file": value}]
    if isinstance(value, list):
        return [{"file": _scalar_text(v)} if isinstance(v, str | int | float)
                and not isinstance(v, bool) else v for v in value]
    return value


class WaveSpec(ExportKeys):
    """One wave as written in ``dataset.yml``: ``id``, ``label`` (fi/sv/en), ``responses`` (one
    file, or the files of one round answered on several forms), and optionally its own export
    keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    label: dict[str, str]
    responses: list[ResponseFile] = Field(min_length=1)

    _text_id = field_validator("id", mode="before")(_scalar_text)
    _files = field_validator("responses", mode="before")(_response_files)

    @property
    def files(self) -> list[str]:
        """The names of the wave's response files, in the order written."""
        return [entry.file for entry in self.responses]

    @field_validator("label", mode="before")
    @classmethod
    def _label_in_every_language(cls, value: Any) -> dict[str, str]:
        """One text is used for every language; missing languages fall back to en (or the
        first given)."""
        value = _scalar_text(value)
        if isinstance(value, str) and value.strip():
            return dict.fromkeys(LANGUAGES, value)
        if isinstance(value, dict) and value and all(
                isinstance(v, str | int | float) for v in value.values()):
            fallback = str(value.get("en") or next(iter(value.values())))
            return {lang: str(value.get(lang) or fallback) for lang in LANGUAGES}
        raise ValueError("label must be a text or texts for " + "/".join(LANGUAGES))


class Person(BaseModel):
    """Someone the reports name on their first page: the contact person for questions about a
    report (``contact``) or the network's coordinator (``coordinator``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    email: str | None = None

    _texts = field_validator("name", "email", mode="before")(_scalar_text)

    @field_validator("email")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"email {value!r} is not an e-mail address (name@example.fi)")
        return value


class DatasetSpec(ExportKeys):
    """The whole of a valid ``dataset.yml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    instrument: str = Field(min_length=1)
    providers: str = Field(min_length=1)
    waves: list[WaveSpec] = Field(min_length=1)
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    #: The date the reports give; without it, the day a report is made.
    report_date: dt.date | None = None
    #: Who answers questions about the reports, and the network's coordinator.
    contact: Person | None = None
    coordinator: Person | None = None

    def colophon(self) -> dict[str, Any]:
        """What the reports' first page names besides the title, as plain JSON values:
        ``report_date`` (ISO 8601 or ``None``), ``contact`` and ``coordinator``
        (``{"name", "email"}`` or ``None``)."""
        return {"report_date": self.report_date.isoformat() if self.report_date else None,
                "contact": self.contact.model_dump() if self.contact else None,
                "coordinator": self.coordinator.model_dump() if self.coordinator else None}

    _text_name = field_validator("name", "instrument", mode="before")(_scalar_text)
    _files_inside = field_validator("providers", "instrument")(_inside_folder)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        problem = name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("min_group_size", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"min_group_size must be a whole number of at least 1, not "
                             f"{value!r}")
        return value

    @field_validator("waves", mode="wrap")
    @classmethod
    def _unique_wave_ids(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Checked on the raw list, so that it is reported along with the waves' other problems."""
        try:
            waves, errors = handler(value), []
        except ValidationError as exc:
            waves, errors = None, exc.errors()
        seen: set[Any] = set()
        files: dict[str, int] = {}  # each wave's own file: one file twice shows no change
        for index, entry in enumerate(value if isinstance(value, list) else []):
            wave_id = _scalar_text(entry.get("id")) if isinstance(entry, dict) else None
            if wave_id is not None and wave_id in seen:
                errors.append({"type": PydanticCustomError(
                    "duplicate_wave_id", "wave id {id} is used twice", {"id": wave_id}),
                    "loc": (index, "id"), "input": wave_id})
            seen.add(wave_id)
            raw = entry.get("responses") if isinstance(entry, dict) else None
            listed = isinstance(raw, list)
            for number, named in enumerate(_named_files(raw)):
                same = os.path.normcase(os.path.normpath(named.strip()))
                loc = (index, "responses", number) if listed else (index, "responses")
                if same in files:
                    earlier = files[same] + 1
                    message = ("wave {n} names the responses file {file} twice" if
                               earlier == index + 1 else "wave {n} names the responses file "
                               "{file} of wave {earlier}; each wave needs its own file")
                    errors.append({"type": PydanticCustomError(
                        "duplicate_wave_file", message,
                        {"n": index + 1, "file": named, "earlier": earlier}),
                        "loc": loc, "input": named})
                files.setdefault(same, index)
        if errors:
            raise ValidationError.from_exception_data("waves", errors)
        return waves

    def file_paths(self, folder: Path) -> tuple[Path, list[Path]]:
        """The providers file and every wave's response files (in wave order), resolved
        against ``folder``."""
        return folder / self.providers, [folder / name for wave in self.waves
                                         for name in wave.files]


def _named_files(raw: Any) -> list[str]:
    """The file names a wave's raw ``responses`` entry gives (for checks made before the
    schema's)."""
    entries = _response_files(raw)
    if not isinstance(entries, list):
        return []
    names = [_scalar_text(e.get("file")) if isinstance(e, dict) else None for e in entries]
    return [name for name in names if isinstance(name, str) and name.strip()]


@dataclass(frozen=True)
class SpecReading:
    """What :func:`read_dataset_spec` made of ``dataset.yml``.

    ``spec`` is the whole, valid file, or ``None`` when there are ``problems``; the other fields
    hold what could still be understood (valid waves, file names), so that validation goes on to
    check the other files and lists every problem at once.
    """

    folder: Path
    spec: DatasetSpec | None
    problems: list[Problem]
    name: str | None = None
    instrument: str | None = None
    providers: str | None = None
    waves: tuple[WaveSpec, ...] = field(default_factory=tuple)
    lines: dict[KeyPath, int] = field(default_factory=dict, repr=False)
    #: The top-level export keys (``columns``, ``ignore``, ...), as far as they are valid.
    export: ExportKeys = field(default_factory=ExportKeys)
    #: False when some export key is invalid: the exports cannot then be read as meant.
    maps_ok: bool = True

    def line(self, *path: str | int) -> int | None:
        """The line of a key in ``dataset.yml`` (e.g. ``line("instrument")``), for problems."""
        return _line(tuple(path), self.lines)

    def export_keys(self, wave: int, file: int = 0) -> dict[str, tuple[Any, KeyPath]]:
        """The export keys that apply to the file at index ``file`` of the wave at index
        ``wave``, and where each is written.

        A file's own key replaces the wave's, a wave's the top-level one. Returns, for each key
        of :data:`EXPORT_KEYS` that is given, its value and its path in ``dataset.yml``
        (``("columns",)``, ``("waves", 1, "columns")`` or ``("waves", 1, "responses", 0,
        "columns")``) for the lines of problems.
        """
        spec = self.waves[wave]
        levels = [(spec.responses[file].export_keys(), ("waves", wave, "responses", file)),
                  (spec.export_keys(), ("waves", wave)), (self.export.export_keys(), ())]
        keys = {}
        for key in EXPORT_KEYS:
            for given, path in levels:
                if given[key] is not None:
                    keys[key] = (given[key], (*path, key))
                    break
        return keys


def read_dataset_spec(path: str | Path) -> SpecReading:
    """Read and check ``dataset.yml``.

    Parameters
    ----------
    path
        The dataset folder, or its ``dataset.yml``.

    Returns
    -------
    SpecReading
        The typed spec, or the problems (each ``dataset.yml:LINE:key: message``) with what could
        still be understood. Never raises for a bad file.
    """
    folder = Path(path)
    if folder.name == DATASET_FILE:
        folder = folder.parent
    folder = folder.resolve()

    def failed(line: int | None, message: str) -> SpecReading:
        return SpecReading(folder, None, [Problem(DATASET_FILE, line, None, message)])

    if not folder.is_dir():
        return failed(None, f"dataset folder {folder} does not exist")
    try:
        text = decode_text((folder / DATASET_FILE).read_bytes())
    except FileNotFoundError:
        return failed(None, f"file does not exist in {folder}")
    except OSError as exc:
        return failed(None, f"cannot read the file: {exc.strerror}")
    except UndecodableText as exc:  # the same rule as for the data files, and as precise
        return SpecReading(folder, None, [Problem(DATASET_FILE, bad.line, str(bad.column),
                                                  bad.describe(exc.utf8)) for bad in exc.bad])
    except UnreadableFile as exc:
        return failed(None, str(exc))
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)  # line numbers of keys
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return failed(mark.line + 1 if mark is not None else None,
                      f"not valid YAML: {getattr(exc, 'problem', None) or exc}")
    if not isinstance(doc, dict):
        return failed(1, "must be a mapping with the keys name, instrument, providers, waves "
                         "(and min_group_size)")
    lines: dict[KeyPath, int] = {}
    problems = _walk(node, (), lines)
    try:
        spec = DatasetSpec.model_validate(doc)
    except ValidationError as exc:
        problems += [_problem(error, lines) for error in exc.errors()]
        return _salvage(folder, doc, problems, lines)
    if problems:
        return _salvage(folder, doc, problems, lines)
    return SpecReading(folder, spec, [], spec.name, spec.instrument, spec.providers,
                       tuple(spec.waves), lines, export=spec)


def load_dataset_spec(path: str | Path) -> DatasetSpec:
    """The typed ``dataset.yml`` of a dataset.

    Raises
    ------
    DatasetError
        Listing the file's problems, when it has any.
    """
    reading = read_dataset_spec(path)
    if reading.spec is None:
        raise DatasetError(reading.folder, reading.problems)
    return reading.spec


def dataset_input_files(path: str | Path) -> list[Path]:
    """The files a dataset is made of, without reading its data.

    ``dataset.yml``, the providers file, each wave's responses file and the instrument's YAML
    (packaged or the dataset's own), in that order: what a cache key or a run record hashes.

    Raises
    ------
    DatasetError
        When ``dataset.yml`` has problems.
    InstrumentError
        When the instrument cannot be found or read.
    """
    from strapetsi_lib.ingest.instrument import load_instrument

    reading = read_dataset_spec(path)
    if reading.spec is None:
        raise DatasetError(reading.folder, reading.problems)
    providers, responses = reading.spec.file_paths(reading.folder)
    files = [reading.folder / DATASET_FILE, providers, *responses]
    instrument = load_instrument(reading.spec.instrument, reading.folder)
    if instrument.source is not None:
        files.append(Path(instrument.source))
    return files


# --------------------------------------------------------------------------- errors → problems


def _walk(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> list[Problem]:
    """Record the line of every key and list entry; report keys written twice (YAML would
    silently keep the last)."""
    problems: list[Problem] = []
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append(Problem(DATASET_FILE, key_node.start_mark.line + 1,
                                        key_name((*path, key)),
                                        f"key {key} is written twice; only the last is read"))
            seen.add(key)
            problems += _walk(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _walk(item, (*path, index), lines)
    return problems


def key_name(path: KeyPath) -> str | None:
    """``waves[2].id`` for ``("waves", 1, "id")``: waves counted from 1, as a person does."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or None


def _line(path: KeyPath, lines: dict[KeyPath, int]) -> int | None:
    """The line of ``path``, else of its nearest enclosing entry (the document's is ``None``)."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path) if path else None


def _problem(error: dict, lines: dict[KeyPath, int]) -> Problem:
    path: KeyPath = tuple(error["loc"])
    if (len(path) >= 5 and path[0] == "waves" and path[2] == "responses"
            and path[4] == "file" and path[:4] not in lines):
        path = path[:3]  # ``responses: a.csv``, one file written as a text
    key = path[-1] if path else None
    wave = f"wave {path[1] + 1} " if len(path) >= 3 and path[0] == "waves" else ""
    kind = error["type"]
    if kind == "missing":
        message = f"{wave}is missing key {key}" if wave else f"missing key {key}"
    elif kind == "extra_forbidden":
        message = f"{wave}has unknown key {key}" if wave else f"unknown key {key}"
    elif kind == "value_error":
        message = wave + str(error["ctx"]["error"])
    elif kind in ("duplicate_wave_id", "duplicate_wave_file"):
        message = error["msg"]
    elif kind in ("string_type", "string_too_short") and _export_key(path):
        message = f"{key_name(path)} must be a text"
    elif kind in ("string_type", "string_too_short"):
        message = f"{wave}{key} must be a text (a name or a file name)"
    elif kind == "literal_error":
        message = f"{key_name(path)} must be id or name, not {error['input']!r}"
    elif kind in ("dict_type", "list_type") and _export_key(path):
        shape = "a list of column headers" if kind == "list_type" else "a mapping"
        message = f"{key_name(path)} must be {shape}"
    elif kind in ("list_type", "too_short") and len(path) == 3 and path[2] == "responses":
        message = f"{wave}responses must be a file name or a list of file names"
    elif kind in ("model_type", "dict_type") and len(path) == 4 and path[2] == "responses":
        message = (f"{wave}responses[{path[3] + 1}] must be a file name or a mapping with "
                   "file (and its own columns, ignore, providers_by, values)")
    elif kind in ("list_type", "too_short") and path == ("waves",):
        message = "waves must be a list of waves, each with id, label, responses"
    elif kind in ("model_type", "dict_type") and path[:1] == ("waves",) and len(path) == 2:
        message = f"wave {path[1] + 1} must be a mapping with id, label, responses"
    else:
        message = f"{key_name(path)}: {error['msg']}"
    return Problem(DATASET_FILE, _line(path, lines), key_name(path), message.strip())


def _export_key(path: KeyPath) -> bool:
    """Whether ``path`` is inside one of the export keys (top level or a wave's)."""
    return bool(path) and (path[0] in EXPORT_KEYS or (
        len(path) >= 3 and path[0] == "waves" and path[2] in EXPORT_KEYS) or (
        len(path) >= 5 and path[2] == "responses" and path[4] in EXPORT_KEYS))


def _valid_export_keys(entry: dict) -> ExportKeys | None:
    """The export keys of a mapping (the document or a wave), or ``None`` if one is invalid."""
    try:
        return ExportKeys.model_validate({k: entry[k] for k in EXPORT_KEYS if k in entry})
    except ValidationError:
        return None


def _waves_of(doc: Any) -> list[dict]:
    waves = doc.get("waves") if isinstance(doc, dict) else None
    return [w if isinstance(w, dict) else {} for w in waves] if isinstance(waves, list) else []


def _salvage(folder: Path, doc: dict, problems: list[Problem], lines: dict[KeyPath, int]
             ) -> SpecReading:
    """Keep what can still be used from a ``dataset.yml`` with problems."""

    def text(key: str) -> str | None:
        value = _scalar_text(doc.get(key))
        return value if isinstance(value, str) and value else None

    def inside(key: str) -> str | None:  # a file outside the folder is not read at all
        value = text(key)
        return None if value is None or outside_folder(value) else value

    top = _valid_export_keys(doc)
    maps_ok = top is not None
    waves, seen = [], set()
    for entry in _waves_of(doc):
        try:
            wave = WaveSpec.model_validate(entry)
        except ValidationError:
            wave_id = _scalar_text(entry.get("id"))
            files = []  # the files that can still be read, each with its keys if valid
            raw = _response_files(entry.get("responses"))
            for item in raw if isinstance(raw, list) else []:
                try:
                    files.append(ResponseFile.model_validate(item))
                except ValidationError:
                    name = _scalar_text(item.get("file")) if isinstance(item, dict) else None
                    if isinstance(name, str) and name and not outside_folder(name):
                        maps_ok = False
                        files.append(ResponseFile.model_construct(file=name))
            if not (isinstance(wave_id, str) and wave_id and files):
                continue
            own = _valid_export_keys(entry)
            maps_ok = maps_ok and own is not None
            # its responses can still be checked; the label problem is reported already
            wave = WaveSpec.model_construct(id=wave_id, label=dict.fromkeys(LANGUAGES, wave_id),
                                            responses=files,
                                            **(own or ExportKeys()).export_keys())
        if wave.id not in seen:
            waves.append(wave)
            seen.add(wave.id)
    name = text("name")
    return SpecReading(folder, None, problems,
                       name if name is not None and name_problem(name) is None else None,
                       inside("instrument"), inside("providers"), tuple(waves), lines,
                       export=top or ExportKeys(), maps_ok=maps_ok)

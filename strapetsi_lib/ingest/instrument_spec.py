"""The instrument YAML: its typed schema, and every problem of a file at once.

An instrument is the questionnaire the reports are built from (docs/instrument.md). This module
reads its YAML into :class:`InstrumentSpec`, a pydantic model that is also the source of the
JSON Schema editors use to complete and check the file (``instruments/instrument.schema.json``,
written by ``python -m strapetsi_lib.ingest.instrument_spec``). :func:`check_instrument` lists
every problem of a file as ``file:line:key: message``: the model's own errors (a missing key, a
wrong type, an unknown key) and then the checks that look across the file (an item naming a
scale that does not exist, a text missing in one of the instrument's languages, a take-hold
level off its scale, two items with the same question text, ...). A reference is checked against
every entry written in the file, valid or not, so that one bad entry is reported once and not
again by everything that names it.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from strapetsi_lib.config import INSTRUMENTS_DIR, LANGUAGE_CODE_SLIPS, LANGUAGES
from strapetsi_lib.errors import Problem
from strapetsi_lib.files import load_yaml
from strapetsi_lib.ingest.takehold_rules import TakeholdRules
from strapetsi_lib.ingest.yaml_lines import KeyPath, YamlLines

#: Where the instrument schema is kept, beside the packaged instruments.
SCHEMA_FILE = INSTRUMENTS_DIR / "instrument.schema.json"

Language = Literal["fi", "sv", "en"]
NonEmpty = Annotated[str, Field(min_length=1)]
#: A code: letters, digits, ``_``, ``.`` and ``-``; it is written into files (column headers,
#: the providers file's ``themes`` list), so it holds no spaces, ``;`` or ``,``.
Code = Annotated[str, Field(pattern=r"^[^\W][\w.-]*$", min_length=1)]
#: A text in some of fi, sv, en (:func:`check_instrument` asks for each of the instrument's
#: ``languages``).
Texts = dict[Language, NonEmpty]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class ScaleSidesSpec(BaseModel):
    """How the reports speak of the answers on either side of a scale's middle."""

    model_config = _STRICT

    low: Texts = Field(description="The answers below the middle, as a report quotes them: "
                                   "'eri mieltä', 'av annan åsikt', 'ei kuvaa minua'.")
    high: Texts = Field(description="The answers above the middle, as a report quotes them: "
                                    "'samaa mieltä', 'av samma åsikt', 'kuvaa minua'.")


class ScaleSpec(BaseModel):
    """A response scale: the whole numbers ``min`` to ``max``, each with a label."""

    model_config = _STRICT

    min: int
    max: int
    labels: dict[int, Texts] = Field(
        description="The answer's words per value; values without a label are shown as numbers "
                    "(a 0–10 scale may label its ends only). Survey exports may give the label "
                    "instead of the number.")
    descriptions: dict[int, Texts] = Field(
        default_factory=dict,
        description="Optional plain-language meaning of a value, listed in the reports where "
                    "the scale is explained (e.g. what each Level of Use means).")
    sides: ScaleSidesSpec | None = Field(
        default=None,
        description="How the reports speak of the answers below and above the scale's middle "
                    "(the chart of answers, the most-chosen statement, reversed statements); "
                    "without it they quote the labels of the scale's two ends.")


class RoleSpec(BaseModel):
    """A respondent group of the ``role`` column."""

    model_config = _STRICT

    code: Code
    label: Texts = Field(description="The group's name in the reports.")
    synonyms: list[NonEmpty] = Field(
        default_factory=list,
        description="Other spellings accepted in the role column (the code and the labels are "
                    "always accepted); case, spacing and spaces around '/' do not matter.")
    leadership: bool = Field(
        False, description="This group is the leadership whose view the reports compare with "
                           "the rest of the staff's (at most one role).")


class ThemeSpec(BaseModel):
    """A development theme providers may take part in (the providers file's ``themes``)."""

    model_config = _STRICT

    code: Code
    name: Texts


class DimensionSpec(BaseModel):
    """A dimension (osa-alue), scored as the mean of its items."""

    model_config = _STRICT

    code: Code
    name: Texts
    higher_is_better: bool = Field(
        True, description="False for a dimension where a lower score is the better one "
                          "(stress, workload): strengths, areas to develop, changes and the "
                          "summary then read it that way round.")


class ItemSpec(BaseModel):
    """One question: a statement of a dimension, or an item of a practice."""

    model_config = _STRICT

    code: Code
    scale: NonEmpty
    text: Texts = Field(description="The question as the respondents read it; a survey "
                                    "export's column may be named by it in any language.")
    reverse: bool = Field(False, description="Reverse-keyed: scored as (min + max) - answer, "
                                             "so that it runs the way of its dimension.")
    dimension: NonEmpty | None = None
    practice: NonEmpty | None = None
    aliases: list[NonEmpty] = Field(
        default_factory=list,
        description="Earlier wordings of the question, in any language: columns of exports "
                    "from before a rewording are still recognised.")


class PracticeSpec(BaseModel):
    """A practice whose take-hold is followed: a Levels of Use item and NoMAD-style items."""

    model_config = _STRICT

    code: Code
    theme: NonEmpty | None = Field(None, description="The theme that develops it, if any.")
    name: Texts
    use_item: NonEmpty
    normalisation_items: list[NonEmpty] = Field(min_length=1)


class DevelopmentDiscussionSpec(BaseModel):
    """The item behind the reports' development-discussion section."""

    model_config = _STRICT

    item: NonEmpty = Field(description="The item asking whether the respondent has a "
                                       "development discussion at least once a year.")
    agreeing: list[int] = Field(min_length=1, description="The answers that count as yes.")


class ReportTextsSpec(BaseModel):
    """Words of the reports that belong to this instrument; each is optional.

    Without them the reports use plain words of their own, built from the instrument's
    ``title`` where they name the survey. Placeholders in braces are filled by the reports
    (:data:`REPORT_TEXT_PLACEHOLDERS`); the texts are shown as written, never as markup.
    """

    model_config = _STRICT

    provider_title: Texts | None = Field(
        None, description="A provider report's title with one wave; {provider}.")
    provider_title_followup: Texts | None = Field(
        None, description="A provider report's title with more waves; {provider}, {period} "
                          "(the years of the first and the latest wave, e.g. 2024–2025).")
    network_title: Texts | None = Field(None, description="The network report's title.")
    intro: Texts | None = Field(
        None, description="The provider report's opening paragraph; {provider}, {waves}, "
                          "{n_providers}, {min_group}.")
    areas_heading: Texts | None = Field(
        None, description="The heading of the provider report's section on the dimensions.")
    methods_intro: Texts | None = Field(
        None, description="The first sentence of the methods: what the survey measures.")
    network_intro: Texts | None = Field(
        None, description="The network report's opening paragraph; {n_providers}, {waves}, "
                          "{responses} (the sentence that counts the responses and the people "
                          "who gave them), or {respondents} and {per_wave} (the responses of "
                          "all waves and of each).")
    takehold_intro: Texts | None = Field(
        None, description="The opening of the section on change between waves; {wave_before}, "
                          "{wave_after}.")
    takehold_evidence_shows: Texts | None = Field(
        None, description="What the results on change show (before what they do not).")


#: The placeholders each report text may use (the reports fill exactly these).
REPORT_TEXT_PLACEHOLDERS = {
    "provider_title": {"provider"},
    "provider_title_followup": {"provider", "period"},
    "network_title": set(),
    "intro": {"provider", "waves", "n_providers", "min_group"},
    "areas_heading": set(),
    "methods_intro": set(),
    "network_intro": {"n_providers", "waves", "responses", "respondents", "per_wave"},
    "takehold_intro": {"wave_before", "wave_after"},
    "takehold_evidence_shows": set(),
}


class InstrumentSpec(BaseModel):
    """A survey instrument as written in its YAML file (docs/instrument.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra={"$schema": "https://json-schema.org/draft/"
                                                            "2020-12/schema"})

    id: Code
    version: int | str | None = None
    title: Texts = Field(description="The survey's name.")
    languages: list[Language] = Field(
        default_factory=lambda: list(LANGUAGES), min_length=1,
        description="The languages every text is given in; a provider's report language must "
                    "be one of them.")
    report_texts: ReportTextsSpec = Field(default_factory=ReportTextsSpec)
    scales: dict[Code, ScaleSpec] = Field(min_length=1)
    missing_answers: list[NonEmpty] = Field(
        default_factory=list, description="Answers that mean 'no answer' (\"En osaa sanoa\").")
    roles: list[RoleSpec] | None = Field(
        None, description="The respondent groups; without it the default four (leader, "
                          "teacher, support, other).")
    themes: list[ThemeSpec] = Field(default_factory=list)
    dimensions: list[DimensionSpec] = Field(min_length=1)
    items: list[ItemSpec] = Field(min_length=1)
    practices: list[PracticeSpec] = Field(default_factory=list)
    takehold_rules: TakeholdRules | None = Field(
        None, description="When a practice counts as embedded, adopting or trying; needed "
                          "with practices.")
    development_discussion: DevelopmentDiscussionSpec | None = None

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value


class RolesSpec(BaseModel):
    """The default roles file (``instruments/defaults/roles.yml``)."""

    model_config = _STRICT

    roles: list[RoleSpec] = Field(min_length=1)


DEFAULT_ROLES_FILE = INSTRUMENTS_DIR / "defaults" / "roles.yml"


def default_roles() -> list[RoleSpec]:
    """The roles of an instrument that declares none."""
    return RolesSpec.model_validate(
        load_yaml(DEFAULT_ROLES_FILE.read_text(encoding="utf-8"))).roles


# --------------------------------------------------------------------------- names in files


def normalise_header(text: str) -> str:
    """Normalise a header or label for matching: NFC, case-folded, single spaces, no end dot."""
    text = unicodedata.normalize("NFC", str(text)).replace("\u00a0", " ")
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\s+", " ", text).strip().rstrip(".?!:").strip()
    return text.casefold()


def normalise_role(text: str) -> str:
    """A role as written in a file, normalised for matching (``Johto/esihenkilö`` is
    ``johto / esihenkilö``)."""
    return re.sub(r"\s*/\s*", " / ", normalise_header(text))


# --------------------------------------------------------------------------- reading a file


def check_instrument(text: str, file: str) -> tuple[InstrumentSpec | None, list[Problem]]:
    """Read an instrument's YAML and list every problem in it.

    Parameters
    ----------
    text
        The file's text.
    file
        The file's name, as the problems name it.

    Returns
    -------
    spec : InstrumentSpec or None
        The instrument when it has no problem.
    problems : list of Problem
        Each ``file:line:key: message``, in the file's order.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [Problem(file, mark.line + 1 if mark is not None else None, None,
                              f"not valid YAML: {getattr(exc, 'problem', None) or exc}")]
    lines = YamlLines.of(node, file)
    if not isinstance(doc, dict):
        return None, [Problem(file, 1, None, "an instrument is a mapping with id, title, "
                                             "scales, dimensions and items (docs/instrument.md)")]
    return check_document(doc, lines)


def check_document(doc: dict, lines: YamlLines) -> tuple[InstrumentSpec | None, list[Problem]]:
    """:func:`check_instrument` for a parsed document and the lines of its keys."""
    problems = list(lines.problems)
    spec = None
    try:
        spec = InstrumentSpec.model_validate(doc)
    except ValidationError as exc:
        problems += [lines.problem(*_model_error(error)) for error in exc.errors()]
    problems += [lines.problem(path, message) for path, message in _cross_checks(doc)]
    problems = sorted(set(problems), key=lambda p: (p.row or 0, p.column or "", p.message))
    return (spec if not problems else None), problems


def _model_error(error: dict) -> tuple[KeyPath, str]:
    """A pydantic error as a key path and a message."""
    path = tuple(error["loc"])
    if path and path[-1] == "[key]":
        path = path[:-1]
        return path, f"key {path[-1]!r}: {error['msg']}" if path else error["msg"]
    kind = error["type"]
    key = path[-1] if path else None
    if kind == "missing":
        return path, f"missing key {key}"
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return path, f"unknown key {key}"
    if kind == "string_pattern_mismatch":
        return path, (f"{error['input']!r} is not a code: letters, digits, '_', '.' and '-' "
                      "only, starting with a letter or digit")
    if kind == "value_error":
        return path, str(error["ctx"]["error"])
    if kind == "literal_error" and len(path) == 2 and path[0] == "languages":
        meant = LANGUAGE_CODE_SLIPS.get(str(error["input"]).strip().lower())
        hint = f" (did you mean {meant!r}?)" if meant else ""
        return path, f"language {error['input']!r} is not one of {', '.join(LANGUAGES)}{hint}"
    return path, error["msg"]


# --------------------------------------------------------------------------- checks across keys


def _entries(doc: dict, key: str) -> Iterator[tuple[int, dict]]:
    """The mapping entries of a list key, with their positions (others are the model's)."""
    value = doc.get(key)
    for index, entry in enumerate(value if isinstance(value, list) else []):
        if isinstance(entry, dict):
            yield index, entry


def _codes(doc: dict, key: str) -> list[str]:
    return [str(entry["code"]) for _, entry in _entries(doc, key) if "code" in entry]


def _cross_checks(doc: dict) -> Iterator[tuple[KeyPath, str]]:
    """Every problem that needs more than one key to see, checked on the document as written."""
    languages = doc.get("languages")
    if not (isinstance(languages, list) and languages
            and all(lang in LANGUAGES for lang in languages)):
        languages = list(LANGUAGES)
    yield from _missing_texts(doc, languages)
    for key in ("roles", "themes", "dimensions", "items", "practices"):
        yield from _twice(doc, key)
    scales = doc.get("scales") if isinstance(doc.get("scales"), dict) else {}
    yield from _scale_problems(scales)
    yield from _item_problems(doc, scales)
    yield from _practice_problems(doc, scales)
    yield from _discussion_problems(doc, scales)
    yield from _role_problems(doc)
    yield from _report_text_problems(doc)
    yield from _header_problems(doc)


def _text_fields(doc: dict) -> Iterator[tuple[KeyPath, Any]]:
    """Every texts value of the document with its path."""
    yield ("title",), doc.get("title")
    report = doc.get("report_texts")
    for key, value in (report.items() if isinstance(report, dict) else []):
        yield ("report_texts", key), value
    for code, scale in (doc.get("scales") or {}).items() if isinstance(doc.get("scales"),
                                                                        dict) else []:
        for part in ("labels", "descriptions"):
            values = scale.get(part) if isinstance(scale, dict) else None
            for value, texts in (values.items() if isinstance(values, dict) else []):
                yield ("scales", code, part, value), texts
        sides = scale.get("sides") if isinstance(scale, dict) else None
        for side, texts in (sides.items() if isinstance(sides, dict) else []):
            yield ("scales", code, "sides", side), texts
    for key, field in (("roles", "label"), ("themes", "name"), ("dimensions", "name"),
                       ("items", "text"), ("practices", "name")):
        for index, entry in _entries(doc, key):
            yield (key, index, field), entry.get(field)


def _missing_texts(doc: dict, languages: list[str]) -> Iterator[tuple[KeyPath, str]]:
    for path, texts in _text_fields(doc):
        if not isinstance(texts, dict):
            continue  # missing or not a mapping: the model reports it
        missing = [lang for lang in languages if lang not in texts]
        if missing:
            yield path, (f"no text in {', '.join(missing)} (the instrument's languages are "
                         f"{', '.join(languages)})")


def _twice(doc: dict, key: str) -> Iterator[tuple[KeyPath, str]]:
    seen: set[str] = set()
    for index, entry in _entries(doc, key):
        code = entry.get("code")
        if code is not None and str(code) in seen:
            yield (key, index, "code"), f"code {code} is used twice in {key}"
        seen.add(str(code))


def _scale_problems(scales: dict) -> Iterator[tuple[KeyPath, str]]:
    for code, scale in scales.items():
        if not isinstance(scale, dict):
            continue
        low, high = scale.get("min"), scale.get("max")
        if not (isinstance(low, int) and isinstance(high, int)):
            continue
        if low >= high:
            yield ("scales", code, "max"), f"max {high} must be above min {low}"
            continue
        for part in ("labels", "descriptions"):
            values = scale.get(part)
            for value in (values if isinstance(values, dict) else {}):
                if isinstance(value, int) and not low <= value <= high:
                    yield ("scales", code, part, value), (
                        f"value {value} is not on the scale {low}–{high}")
        labels = scale.get("labels")
        unlabelled = [end for end in (low, high) if isinstance(labels, dict) and end not in labels]
        if unlabelled:  # the reports say what the ends of a scale mean
            yield ("scales", code, "labels"), (
                f"the scale's ends need labels: {' and '.join(map(str, unlabelled))} has none")


def _scale_span(scales: dict, code: Any) -> range | None:
    scale = scales.get(code)
    if isinstance(scale, dict) and isinstance(scale.get("min"), int) \
            and isinstance(scale.get("max"), int) and scale["min"] < scale["max"]:
        return range(scale["min"], scale["max"] + 1)
    return None


def _nearest(code: Any, codes) -> str:
    """`` (did you mean 'X'?)`` for a misspelt code among ``codes``, or ``""``."""
    from strapetsi_lib.ingest.matching import did_you_mean, keyed  # it imports this module

    return did_you_mean([str(code)], keyed({str(c): str(c) for c in codes}))


def _item_problems(doc: dict, scales: dict) -> Iterator[tuple[KeyPath, str]]:
    dimensions, practices = set(_codes(doc, "dimensions")), set(_codes(doc, "practices"))
    dimension_scales: dict[str, str] = {}
    used_dimensions: set[str] = set()
    for index, item in _entries(doc, "items"):
        code = item.get("code")
        if "scale" in item and item["scale"] not in scales:
            yield ("items", index, "scale"), (
                f"item {code} has unknown scale {item['scale']} (the scales are "
                f"{', '.join(map(str, scales)) or 'none'}){_nearest(item['scale'], scales)}")
        dimension, practice = item.get("dimension"), item.get("practice")
        if dimension is not None and practice is not None:
            yield ("items", index), f"item {code} belongs to a dimension and to a practice"
        if dimension is not None:
            if dimension not in dimensions:
                yield ("items", index, "dimension"), (
                    f"item {code} has unknown dimension {dimension}"
                    f"{_nearest(dimension, dimensions)}")
            elif item.get("scale") in scales:
                used_dimensions.add(dimension)
                dimension_scales.setdefault(item["scale"], code)
        if practice is not None and practice not in practices:
            yield ("items", index, "practice"), (
                f"item {code} has unknown practice {practice}{_nearest(practice, practices)}")
    if len(dimension_scales) > 1:
        # The reports put every dimension on one axis and state one scale.
        first, *rest = dimension_scales.items()
        for scale, code in rest:
            yield ("items",), (f"the dimensions' items use more than one scale ({first[0]} "
                               f"from item {first[1]}, {scale} from item {code}): they must "
                               "share one")
    for index, dimension in _entries(doc, "dimensions"):
        if dimension.get("code") is not None and str(dimension["code"]) not in used_dimensions \
                and not any(item.get("dimension") == dimension["code"]
                            for _, item in _entries(doc, "items")):
            yield ("dimensions", index), f"dimension {dimension['code']} has no items"


def _practice_problems(doc: dict, scales: dict) -> Iterator[tuple[KeyPath, str]]:
    items = {str(item.get("code")): item for _, item in _entries(doc, "items")}
    themes = set(_codes(doc, "themes"))
    use_scales, norm_scales = Counter(), Counter()
    for index, practice in _entries(doc, "practices"):
        code = practice.get("code")
        theme = practice.get("theme")
        if theme is not None and theme not in themes:
            yield ("practices", index, "theme"), (
                f"practice {code} has unknown theme {theme} (the themes are "
                f"{', '.join(sorted(themes)) or 'none: declare them under themes'})")
        use = practice.get("use_item")
        if use is not None:
            if str(use) not in items:
                yield ("practices", index, "use_item"), (
                    f"practice {code} names unknown item {use}")
            else:
                use_scales[items[str(use)].get("scale")] += 1
        norms = practice.get("normalisation_items")
        for position, item in enumerate(norms if isinstance(norms, list) else []):
            if str(item) not in items:
                yield ("practices", index, "normalisation_items", position), (
                    f"practice {code} names unknown item {item}")
            else:
                norm_scales[items[str(item)].get("scale")] += 1
    if len(use_scales) > 1:
        yield ("practices",), "the practices' Levels of Use items use different scales"
    if len(norm_scales) > 1:
        yield ("practices",), "the practices' normalisation items use different scales"
    rules = doc.get("takehold_rules")
    if use_scales and rules is None:
        yield ("takehold_rules",), ("missing key takehold_rules: practices need the rules that "
                                    "decide their status")
    if not isinstance(rules, dict):
        return
    levels = _scale_span(scales, next(iter(use_scales), None))
    for key in ("routine_level", "use_level"):
        value = rules.get(key)
        if levels is not None and isinstance(value, int) and value not in levels:
            yield ("takehold_rules", key), (
                f"{value} is not on the Levels of Use scale {levels.start}–{levels.stop - 1}")
    routine, use = rules.get("routine_level"), rules.get("use_level")
    if isinstance(routine, int) and isinstance(use, int) and use > routine:
        yield ("takehold_rules", "use_level"), ("use_level must not be above routine_level "
                                                "(routine use is use)")
    span = _scale_span(scales, next(iter(norm_scales), None))
    categories = rules.get("categories")
    for index, category in enumerate(categories if isinstance(categories, list) else []):
        value = category.get("normalisation_min") if isinstance(category, dict) else None
        if span is not None and isinstance(value, int | float) \
                and not span.start <= value <= span.stop - 1:
            yield ("takehold_rules", "categories", index, "normalisation_min"), (
                f"normalisation_min {value} is not on the normalisation items' scale "
                f"{span.start}–{span.stop - 1}")


def _discussion_problems(doc: dict, scales: dict) -> Iterator[tuple[KeyPath, str]]:
    spec = doc.get("development_discussion")
    if not isinstance(spec, dict) or "item" not in spec:
        return
    items = {str(item.get("code")): item for _, item in _entries(doc, "items")}
    item = items.get(str(spec["item"]))
    if item is None:
        yield ("development_discussion", "item"), f"unknown item {spec['item']}"
        return
    span = _scale_span(scales, item.get("scale"))
    agreeing = spec.get("agreeing")
    for position, value in enumerate(agreeing if isinstance(agreeing, list) else []):
        if span is not None and isinstance(value, int) and value not in span:
            yield ("development_discussion", "agreeing", position), (
                f"{value} is not on the scale {span.start}–{span.stop - 1} of item {item['code']}")


def _role_problems(doc: dict) -> Iterator[tuple[KeyPath, str]]:
    leaders = [index for index, role in _entries(doc, "roles") if role.get("leadership")]
    for index in leaders[1:]:
        yield ("roles", index, "leadership"), "only one role can be the leadership"
    yield from _names_claimed_twice(
        doc, "roles", "label", "synonyms", normalise_role,
        lambda code, name, other: f"role {code}: {name!r} already names role {other}")


def _names_claimed_twice(doc: dict, section: str, texts_key: str, extra_key: str,
                         normalise: Callable[[str], str],
                         message: Callable[[str, str, str], str]
                         ) -> Iterator[tuple[KeyPath, str]]:
    """Entries of ``section`` whose names (the code, the texts of ``texts_key`` in every
    language and the list ``extra_key``), normalised as the data are read, name another entry
    too: a value or a header would then be read as either."""
    owner: dict[str, str] = {}
    for index, entry in _entries(doc, section):
        code = str(entry.get("code"))
        texts, extra = entry.get(texts_key), entry.get(extra_key)
        names = [code, *(texts.values() if isinstance(texts, dict) else []),
                 *(extra if isinstance(extra, list) else [])]
        for name in dict.fromkeys(normalise(str(n)) for n in names):
            if name in owner and owner[name] != code:
                yield (section, index), message(code, name, owner[name])
            owner.setdefault(name, code)


def _report_text_problems(doc: dict) -> Iterator[tuple[KeyPath, str]]:
    report = doc.get("report_texts")
    for key, texts in (report.items() if isinstance(report, dict) else []):
        allowed = REPORT_TEXT_PLACEHOLDERS.get(key)
        if allowed is None or not isinstance(texts, dict):
            continue
        for language, template in texts.items():
            try:
                fields = {f for _, f, _, _ in string.Formatter().parse(str(template)) if f}
            except ValueError as exc:
                yield ("report_texts", key, language), f"braces do not pair up: {exc}"
                continue
            unknown = sorted(fields - allowed)
            if unknown:
                yield ("report_texts", key, language), (
                    f"unknown placeholder {', '.join('{' + f + '}' for f in unknown)}; this text "
                    f"may use {', '.join('{' + f + '}' for f in sorted(allowed)) or 'none'}")


def _header_problems(doc: dict) -> Iterator[tuple[KeyPath, str]]:
    """Two items that an export's column header could both name."""
    yield from _names_claimed_twice(
        doc, "items", "text", "aliases", normalise_header,
        lambda code, name, other: f"item {code}: the header {name!r} already names item {other}")


# --------------------------------------------------------------------------- the JSON Schema


def json_schema() -> dict:
    """The JSON Schema of an instrument file, generated from :class:`InstrumentSpec`."""
    schema = InstrumentSpec.model_json_schema()
    schema["title"] = "Strapetsi workbench instrument"
    return schema


def schema_text() -> str:
    """:func:`json_schema` as the checked-in file holds it."""
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":  # python -m strapetsi_lib.ingest.instrument_spec: rewrite the schema
    from strapetsi_lib.files import write_atomic

    write_atomic(SCHEMA_FILE, schema_text())
    print(f"wrote {SCHEMA_FILE}")

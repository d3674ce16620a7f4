"""The instrument drives everything: its file format, its problems, and nothing in the code or
the report words that belongs to a packaged instrument (docs/instrument.md)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from strapetsi_lib.config import INSTRUMENTS_DIR, PACKAGE_DIR
from strapetsi_lib.errors import InstrumentError, Problem
from strapetsi_lib.ingest.instrument import load_instrument, packaged_instruments
from strapetsi_lib.ingest.instrument_spec import SCHEMA_FILE, check_instrument, schema_text

PACKAGED = packaged_instruments()
COMPETENCE = load_instrument("competence_management_v1")


def test_there_are_two_packaged_instruments():
    assert PACKAGED == ["competence_management_v1", "wellbeing_at_work_v1"]


# --------------------------------------------------------------------------- nothing packaged


def _codes(instrument) -> set[str]:
    """The codes no code may name: items, scales, dimensions, practices, themes."""
    return {*instrument.item_codes, *instrument.scales, *instrument.dimension_codes,
            *(p.code for p in instrument.practices), *instrument.theme_codes}


def _words(instrument) -> set[str]:
    """The instrument's own words (long enough not to be an ordinary word of a sentence)."""
    texts = [instrument.title, *(d.name for d in instrument.dimensions),
             *(i.text for i in instrument.items), *(p.name for p in instrument.practices),
             *(t.name for t in instrument.themes), *instrument.report_texts.values(),
             *(label for scale in instrument.scales.values() for label in scale.labels.values()),
             *(text for scale in instrument.scales.values()
               for text in scale.descriptions.values())]
    return {words.casefold() for texts_ in texts for words in texts_.values()
            if len(words) >= 16}


def _package_files(suffix: str) -> list[Path]:
    return [path for path in PACKAGE_DIR.rglob(f"*{suffix}")
            if INSTRUMENTS_DIR not in path.parents and "__pycache__" not in path.parts]


def _string_literals(path: Path) -> list[tuple[int, str]]:
    """The strings a module's code uses (docstrings, which may give examples, left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


@pytest.mark.parametrize("instrument_id", PACKAGED)
def test_no_code_names_a_packaged_instruments_items_scales_or_dimensions(instrument_id):
    codes = _codes(load_instrument(instrument_id))
    found = [f"{path.relative_to(PACKAGE_DIR)}:{line}: {value!r}"
             for path in _package_files(".py") for line, value in _string_literals(path)
             if value in codes]
    assert found == []


def test_the_search_finds_a_code_in_code_but_not_in_a_docstring(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""Uses ``discuss1``."""\nITEM = "discuss1"\n', encoding="utf-8")
    assert [value for _, value in _string_literals(module)
            if value in _codes(COMPETENCE)] == ["discuss1"]


@pytest.mark.parametrize("instrument_id", PACKAGED)
def test_no_report_text_holds_a_packaged_instruments_words(instrument_id):
    words = _words(load_instrument(instrument_id))

    def holds(text: str) -> list[str]:
        text = " ".join(text.split()).casefold()
        return [w for w in words if " ".join(w.split()) in text]

    found = [f"{path.name}: {w!r}" for path in _package_files(".yml")
             for w in holds(path.read_text(encoding="utf-8"))]
    found += [f"{path.name}:{line}: {w!r}" for path in _package_files(".py")
              for line, value in _string_literals(path) for w in holds(value)]
    assert found == []


def test_report_texts_name_no_survey_and_no_scale():
    # the network's name and a fixed scale belong to the packaged instrument's own words
    for path in _package_files(".yml"):
        text = path.read_text(encoding="utf-8")
        assert "Strapetsi" not in re.sub(r"^#.*$", "", text, flags=re.M), path.name
        assert not re.search(r"\b1[–-]5\b", text), path.name


# --------------------------------------------------------------------------- the format


def test_the_json_schema_is_generated_from_the_model_and_up_to_date():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "regenerate it: .venv/bin/python -m strapetsi_lib.ingest.instrument_spec")
    schema = json.loads(schema_text())
    assert {"id", "title", "scales", "dimensions", "items"} <= set(schema["required"])
    assert "higher_is_better" in schema["$defs"]["DimensionSpec"]["properties"]
    assert "aliases" in schema["$defs"]["ItemSpec"]["properties"]


def test_the_documented_example_is_a_valid_instrument():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "instrument.md").read_text("utf-8")
    example = re.search(r"## A worked example.*?```yaml\n(.*?)```", doc, re.S).group(1)
    spec, problems = check_instrument(example, "example.yml")
    assert problems == [] and spec.languages == ["fi", "sv"]
    assert [d.higher_is_better for d in spec.dimensions] == [True, False]


@pytest.mark.parametrize("path", [*INSTRUMENTS_DIR.glob("*.yml"),
                                  INSTRUMENTS_DIR / "defaults" / "roles.yml"],
                         ids=lambda p: p.name)
def test_packaged_files_point_editors_at_the_schema(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    target = first.removeprefix("# yaml-language-server: $schema=")
    assert target != first and (path.parent / target).resolve() == SCHEMA_FILE


def _instrument_text(edit) -> str:
    doc = yaml.safe_load(COMPETENCE.source.read_text(encoding="utf-8"))
    edit(doc)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _line_of(text: str, pattern: str, after: int = 0) -> int:
    lines = text.splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and re.search(pattern, line))


def test_every_problem_of_an_instrument_at_once_with_file_line_and_key():
    def break_it(doc):
        doc["languages"] = ["fi", "sv"]
        del doc["items"][2]["text"]["sv"]                       # a text missing in sv
        doc["items"][5]["scale"] = "agrement"                   # a misspelt scale
        doc["items"][7]["dimension"] = "assessment"             # an unknown dimension
        doc["items"][9]["colour"] = "blue"                      # an unknown key
        doc["practices"][0]["normalisation_items"][1] = "clock_nn"
        doc["takehold_rules"]["routine_level"] = 9
        doc["development_discussion"]["agreeing"] = [4, 6]

    text = _instrument_text(break_it)
    spec, problems = check_instrument(text, "mine.yml")
    assert spec is None
    plan3 = _line_of(text, r"^- code: plan3$")
    expected = [
        Problem("mine.yml", _line_of(text, r"^  text:", plan3), "items[3].text",
                "no text in sv (the instrument's languages are fi, sv)"),
        Problem("mine.yml", _line_of(text, r"^  scale: agrement"), "items[6].scale",
                "item assess2 has unknown scale agrement (the scales are agreement, "
                "levels_of_use) (did you mean 'agreement'?)"),
        Problem("mine.yml", _line_of(text, r"^  dimension: assessment"), "items[8].dimension",
                "item assess4 has unknown dimension assessment"),
        Problem("mine.yml", _line_of(text, r"^  colour: blue"), "items[10].colour",
                "unknown key colour"),
        Problem("mine.yml", _line_of(text, r"^  - clock_nn"),
                "practices[1].normalisation_items[2]", "practice annual_clock names unknown "
                                                       "item clock_nn"),
        Problem("mine.yml", _line_of(text, r"^  routine_level: 9"), "takehold_rules.routine_level",
                "9 is not on the Levels of Use scale 0–7"),
        Problem("mine.yml", _line_of(text, r"^  - 6"), "development_discussion.agreeing[2]",
                "6 is not on the scale 1–5 of item discuss1"),
    ]
    assert sorted(problems) == sorted(expected)
    # loading gives the same list, at once, as an InstrumentError
    path = Path(__file__).parent / "mine.yml"
    with pytest.raises(InstrumentError) as caught:
        from strapetsi_lib.ingest.instrument import parse_instrument
        parse_instrument(yaml.safe_load(text), path)
    assert len(caught.value.problems) == len(expected)


def test_texts_are_asked_for_in_the_instruments_languages_only():
    wellbeing = load_instrument("wellbeing_at_work_v1")
    assert wellbeing.languages == ("fi", "sv")
    assert "en" not in wellbeing.dimension("workload").name  # and no problem for it
    text = (INSTRUMENTS_DIR / "wellbeing_at_work_v1.yml").read_text(encoding="utf-8")
    _, problems = check_instrument(text.replace("languages: [fi, sv]", "languages: [fi, sv, en]"),
                                   "wellbeing.yml")
    # every text of the file lacks English: all are listed, none is left for a second round
    assert len(problems) == 1 + 6 + 2 + 3 + 4 + 16  # title, labels, sides, roles, dims, items
    assert {p.message for p in problems} == {
        "no text in en (the instrument's languages are fi, sv, en)"}


@pytest.mark.parametrize(("edit", "column", "message"), [
    (lambda d: d["report_texts"].update(intro={"fi": "{provider} {year}", "sv": "x", "en": "x"}),
     "report_texts.intro.fi", "unknown placeholder {year}; this text may use {min_group}, "
                              "{n_providers}, {provider}, {waves}"),
    (lambda d: d["items"][1].update(text=d["items"][0]["text"]), "items[2]",
     "item plan2: the header 'organisaatiomme strategiassa on määritelty, mitä osaamista "
     "tarvitsemme tulevina vuosina' already names item plan1"),
    (lambda d: d["items"].append({"code": "extra", "scale": "levels_of_use", "dimension":
                                  "co_learning", "text": d["items"][0]["text"] | {
                                      "fi": "x", "sv": "y", "en": "z"}}),
     "items", "the dimensions' items use more than one scale (agreement from item plan1, "
              "levels_of_use from item extra): they must share one"),
    (lambda d: d.update(roles=[{"code": "a", "label": {"fi": "A", "sv": "A", "en": "A"},
                                "leadership": True},
                               {"code": "b", "label": {"fi": "B", "sv": "B", "en": "B"},
                                "leadership": True, "synonyms": ["a"]}]),
     "roles[2]", "role b: 'a' already names role a"),
    (lambda d: d["themes"].pop(), "practices[6].theme",
     "practice sustainable_future has unknown theme future (the themes are competence, "
     "pedagogy, quality)"),
    (lambda d: d.pop("takehold_rules"), "takehold_rules",
     "missing key takehold_rules: practices need the rules that decide their status"),
])
def test_instrument_problems_that_need_more_than_one_key(edit, column, message):
    _, problems = check_instrument(_instrument_text(edit), "mine.yml")
    assert (column, message) in [(p.column, p.message) for p in problems]


def test_two_leadership_roles_are_a_problem():
    _, problems = check_instrument(_instrument_text(lambda d: d.update(roles=[
        {"code": c, "label": {"fi": c, "sv": c, "en": c}, "leadership": True}
        for c in ("boss", "chief")])), "mine.yml")
    assert [(p.column, p.message) for p in problems] == [
        ("roles[2].leadership", "only one role can be the leadership")]


def test_the_default_roles_are_the_packaged_instruments():
    assert COMPETENCE.role_codes == ["leader", "teacher", "support", "other"]
    assert COMPETENCE.leadership_role == "leader"
    wellbeing = load_instrument("wellbeing_at_work_v1")
    assert wellbeing.role_codes == ["management", "teaching", "other_staff"]
    assert wellbeing.leadership_role == "management"


# --------------------------------------------------------------------------- reworded questions


def test_an_earlier_wording_still_names_its_item():
    lookup = COMPETENCE.header_lookup()
    item = COMPETENCE.item("discuss1")
    assert item.text["sv"] == "Jag har utvecklingssamtal med min chef minst en gång per år."
    assert lookup["jag för ett utvecklingssamtal med min chef minst en gång per år"] == "discuss1"
    assert lookup["jag har utvecklingssamtal med min chef minst en gång per år"] == "discuss1"


def test_an_export_with_the_earlier_wording_loads(tmp_path, tables, write_dataset):
    from strapetsi_lib.ingest.dataset import load_dataset

    providers, responses = tables
    earlier = COMPETENCE.item("discuss1").aliases[0]
    renamed = {w: frame.rename(columns={"discuss1": earlier}) for w, frame in responses.items()}
    root = write_dataset(tmp_path, providers=providers, responses=renamed)
    dataset = load_dataset(root)
    expected = pd.concat([responses[w]["discuss1"] for w in responses], ignore_index=True)
    pd.testing.assert_series_equal(
        dataset.responses["discuss1"],
        pd.to_numeric(expected.where(expected.str.isdigit())).astype(float),
        check_names=False)


# --------------------------------------------------------------------------- validate


def test_a_provider_whose_language_the_instrument_lacks_is_a_problem(tmp_path, tables,
                                                                     write_dataset):
    from strapetsi_lib.ingest.dataset import validate_dataset

    providers, responses = tables
    root = write_dataset(tmp_path, providers=providers, responses=responses,
                         config={"instrument": "own.yml"})
    own = yaml.safe_load(COMPETENCE.source.read_text(encoding="utf-8"))
    own["languages"] = ["fi"]
    (root / "own.yml").write_text(yaml.safe_dump(own, allow_unicode=True), encoding="utf-8")
    _, problems = validate_dataset(root)
    swedish = [n for n, lang in enumerate(providers["language"], 2) if lang == "sv"]
    assert problems == [Problem("providers.csv", row, "language",
                                "the instrument competence_management_v1 has no texts in 'sv' "
                                "(its languages are fi): add them to the instrument")
                        for row in swedish]


def test_an_instrument_with_problems_is_listed_by_validate(tmp_path, tables, write_dataset):
    from strapetsi_lib.ingest.dataset import validate_dataset

    root = write_dataset(tmp_path, config={"instrument": "own.yml"})
    text = _instrument_text(lambda d: (d["items"][0].update(scale="x"),
                                       d["dimensions"][0].pop("name")))
    (root / "own.yml").write_text(text, encoding="utf-8")
    _, problems = validate_dataset(root)
    assert [(p.file, p.column) for p in problems] == [
        ("own.yml", "dimensions[1].name"), ("own.yml", "items[1].scale")]
    write_dataset(root, config={"instrument": "gone.yml"})
    _, problems = validate_dataset(root)
    assert [(p.file, p.column) for p in problems] == [("dataset.yml", "instrument")]
    assert "unknown instrument 'gone.yml'" in problems[0].message

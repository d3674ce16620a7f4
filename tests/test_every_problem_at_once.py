"""`strapetsi validate` lists the instrument's problems and the data's in one run, each with
"did you mean" where a near text exists, in one ``file:row:column: message`` format."""

from __future__ import annotations

import shutil

import pytest
import yaml

from strapetsi_lib.config import INSTRUMENTS_DIR
from strapetsi_lib.errors import Problem
from strapetsi_lib.ingest.dataset import validate_dataset
from strapetsi_lib.ingest.demo import generate_demo
from strapetsi_lib.ingest.instrument import DEFAULT_INSTRUMENT


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return generate_demo(tmp_path_factory.mktemp("demo"), n_providers=4, seed=5, waves=1)


def with_instrument(demo, tmp_path, change) -> tuple:
    """The demo with its instrument copied into the folder and changed by ``change``."""
    folder = tmp_path / "ds"
    shutil.copytree(demo, folder)
    doc = yaml.safe_load((INSTRUMENTS_DIR / f"{DEFAULT_INSTRUMENT}.yml").read_text("utf-8"))
    change(doc)
    (folder / "own.yml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    spec = (folder / "dataset.yml").read_text(encoding="utf-8")
    (folder / "dataset.yml").write_text(
        spec.replace(f"instrument: {DEFAULT_INSTRUMENT}", "instrument: own.yml"),
        encoding="utf-8")
    return folder, doc


def test_instrument_problems_do_not_hide_the_datas(demo, tmp_path):
    """The trial's case: a dimension misspelt, a text missing, an item code changed by one
    character; the data's column for that item is reported in the same run."""
    renamed = {}

    def mistakes(doc):
        first, second, third = doc["items"][:3]
        first["dimension"] += "x"                      # a typo: unknown dimension
        del second["text"]["sv"]                       # a missing text
        renamed["old"], renamed["new"] = third["code"], third["code"] + "3"
        third["code"] = renamed["new"]                 # the data still has the old code
        doc["languages"] = ["fi", "sv"]
    folder, doc = with_instrument(demo, tmp_path, mistakes)
    problems = validate_dataset(folder)[1]
    dimension = doc["items"][0]["dimension"]
    messages = [p.message for p in problems if p.file == "own.yml"]
    assert f"item {doc['items'][0]['code']} has unknown dimension {dimension} (did you mean " \
           f"{dimension[:-1]!r}?)" in messages
    assert any(m.startswith("no text in sv") for m in messages)
    old, new = renamed["old"], renamed["new"]
    data = [p for p in problems if p.file == "responses_baseline.csv"]
    assert Problem("responses_baseline.csv", None, old,
                   "unknown column: neither respondent_id, provider_id, role nor an item code "
                   f"or question text of instrument {doc['id']} (did you mean {new!r}?)") in data
    assert Problem("responses_baseline.csv", None, new,
                   f"no column for item {new}: name a column by the item code or by its "
                   f"question text in Finnish or Swedish (did you mean column {old!r}?)") in data
    # a column problem has no empty row field
    assert any(str(p).startswith(f"responses_baseline.csv:{old}: unknown column")
               for p in data)


def test_a_language_code_slip_is_named(demo, tmp_path):
    def slip(doc):
        doc["languages"] = ["fi", "se"]
    folder, _ = with_instrument(demo, tmp_path, slip)
    messages = [p.message for p in validate_dataset(folder)[1] if p.file == "own.yml"]
    assert "language 'se' is not one of fi, sv, en (did you mean 'sv'?)" in messages


def test_an_answer_label_typo_names_the_label(demo, tmp_path):
    folder = tmp_path / "ds"
    shutil.copytree(demo, folder)
    doc = yaml.safe_load((INSTRUMENTS_DIR / f"{DEFAULT_INSTRUMENT}.yml").read_text("utf-8"))
    item = doc["items"][0]
    label = doc["scales"][item["scale"]]["labels"][4]["fi"]
    path = folder / "responses_baseline.csv"
    lines = path.read_text(encoding="cp1252").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(";")
    cells = lines[1].rstrip("\r\n").split(";")
    cells[header.index(item["code"])] = label[:-1]  # the last letter lost
    lines[1] = ";".join(cells) + "\r\n"
    path.write_text("".join(lines), encoding="cp1252", newline="")
    (problem,) = validate_dataset(folder)[1]
    assert str(problem).startswith(f"responses_baseline.csv:2:{item['code']}: answer ")
    assert problem.message.endswith(f"(did you mean {label!r}?)")

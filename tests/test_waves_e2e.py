"""Three waves as a real network has them, run to reports end to end.

The demo's two response files become three waves; one provider joins at the second wave, one
misses the second, one has no answers in the latest. The dataset validates (with a warning for
each), every report is written by a real batch run, and each provider's report compares its own
waves and says which, with totals that agree with their roles.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from strapetsi_lib.ingest.dataset import validate_dataset
from strapetsi_lib.ingest.demo import generate_demo
from strapetsi_lib.ingest.instrument import load_instrument
from strapetsi_lib.ingest.reading import read_table
from strapetsi_lib.present.i18n import text
from strapetsi_lib.present.survey_words import survey_text

pytestmark = pytest.mark.slow

WAVES = ("baseline", "followup", "followup2")


def write_csv(table, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(table.columns)
        writer.writerows(table.itertuples(index=False))


@pytest.fixture(scope="module")
def three_waves(tmp_path_factory):
    """The demo network of six with a third wave (the follow-up's answers from new respondent
    ids), and one provider taken out of each wave: a late joiner, one that missed the second
    wave and one without answers in the latest."""
    folder = generate_demo(tmp_path_factory.mktemp("waves") / "demo", n_providers=6)
    spec = yaml.safe_load((folder / "dataset.yml").read_text(encoding="utf-8"))
    tables = [read_table(folder / wave["responses"])[0] for wave in spec["waves"]]
    third = tables[1].copy()
    third["respondent_id"] = third["respondent_id"] + "-3"
    tables.append(third)
    rows = list(csv.DictReader((folder / "providers.csv").open(encoding="utf-8")))
    ids = [row["provider_id"] for row in rows]
    # the one without answers in the latest wave is Swedish-speaking, to read its texts too
    gone = next(row["provider_id"] for row in rows if row["language"] == "sv")
    late, missed = [pid for pid in ids if pid != gone][:2]
    for number, absent in enumerate((late, missed, gone)):
        tables[number] = tables[number][tables[number]["provider_id"] != absent]
    labels = {"followup2": {"fi": "Seuranta 2026", "sv": "Uppföljning 2026",
                            "en": "Follow-up 2026"}}
    waves = []
    for wave_id, table, given in zip(WAVES, tables, [*spec["waves"], None], strict=True):
        for old in (folder / given["responses"],) if given else ():
            old.unlink()
        write_csv(table, folder / f"responses_{wave_id}.csv")
        waves.append({"id": wave_id, "label": given["label"] if given else labels[wave_id],
                      "responses": f"responses_{wave_id}.csv"})
    spec["waves"] = waves
    (folder / "dataset.yml").write_text(yaml.safe_dump(spec, allow_unicode=True),
                                        encoding="utf-8")
    return folder, ids, {"late": late, "missed": missed, "gone": gone}


@pytest.fixture(scope="module")
def reports(three_waves, tmp_path_factory):
    folder, ids, _ = three_waves
    out = tmp_path_factory.mktemp("waves-reports")
    result = subprocess.run([sys.executable, "-m", "strapetsi_lib", "run", str(folder),
                             "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr + result.stdout
    return out


def test_late_joiners_and_missed_waves_are_warnings_not_problems(three_waves):
    folder, _, who = three_waves
    dataset, problems = validate_dataset(folder)
    assert problems == []
    assert [(p.file, p.message) for p in dataset.warnings] == [
        (f"responses_{wave}.csv", f"provider {pid} ({name}) has no respondents in wave {wave}")
        for wave, pid in zip(WAVES, (who["late"], who["missed"], who["gone"]), strict=True)
        for name in [dataset.providers.set_index("provider_id").loc[pid, "name"]]]


def page(out: Path, provider_id: str) -> tuple[BeautifulSoup, str]:
    soup = BeautifulSoup((out / f"provider_{provider_id}.html").read_text(encoding="utf-8"),
                         "html.parser")
    return soup, " ".join(soup.get_text(" ").split())


def said(sentence: str, words: str) -> bool:
    return " ".join(str(sentence).split()) in words


def role_column(soup: BeautifulSoup, language: str, wave_label: str) -> list[str]:
    """The respondents table's cells under one wave (roles, total, response rate)."""
    caption = text("respondents_caption", language)
    table = next(t for t in soup.find_all("table")
                 if t.caption and " ".join(t.caption.get_text().split()) == caption)
    headers = [" ".join(th.get_text().split()) for th in table.thead.find_all("th")]
    column = headers.index(wave_label)
    return [[" ".join(c.get_text().split()) for c in row.find_all(["th", "td"])][column]
            for row in table.tbody.find_all("tr")]


def test_every_report_compares_its_own_waves_and_says_which(three_waves, reports):
    folder, ids, who = three_waves
    manifest = json.loads((reports / "_work" / "manifest.json").read_text(encoding="utf-8"))
    assert {e["id"]: e["status"] for e in manifest["reports"]} == dict.fromkeys(
        [*ids, "network"], "ok")
    spec = yaml.safe_load((folder / "dataset.yml").read_text(encoding="utf-8"))
    label = {w["id"]: w["label"] for w in spec["waves"]}
    languages = {row["provider_id"]: row["language"] for row in csv.DictReader(
        (folder / "providers.csv").open(encoding="utf-8"))}
    expected = {who["late"]: ("followup", "followup2", "baseline"),
                who["missed"]: ("baseline", "followup2", "followup"),
                who["gone"]: ("baseline", "followup", "followup2"),
                next(pid for pid in ids if pid not in who.values()): ("baseline", "followup2",
                                                                     None)}
    for provider_id, (before, after, absent) in expected.items():
        lang = languages[provider_id]
        soup, words = page(reports, provider_id)
        compared = survey_text(load_instrument("competence_management_v1"), "takehold_intro",
                               lang, wave_before=label[before][lang],
                               wave_after=label[after][lang])
        assert said(compared, words), (provider_id, compared)
        years = {wave: label[wave][lang].split()[-1] for wave in label}
        caption = text("takehold_change_caption", lang,
                       period=f"{years[before]}\u2013{years[after]}")
        assert said(caption, words), (provider_id, caption)
        own = said(text("takehold_own_waves", lang), words)
        assert own == ((before, after) != ("baseline", "followup2")), provider_id
        if absent is None:
            continue
        assert said(text("takehold_wave_not_taken_part", lang, wave=label[absent][lang]),
                    words), provider_id
        # a wave it missed: 0 for every role and 0 in all, never "fewer than 5"
        cells = role_column(soup, lang, label[absent][lang])
        assert cells[:-1] == ["0"] * (len(cells) - 1), (provider_id, cells)

    # the late joiner's report leads with its latest wave, and the baseline beside it is the
    # wave it joined
    lang = languages[who["late"]]
    _, words = page(reports, who["late"])
    assert said(text("profile_caption", lang, wave=label["followup2"][lang]), words)
    assert said(text("profile_col_earlier", lang, wave=label["followup"][lang]), words)
    assert not said(text("profile_col_earlier", lang, wave=label["baseline"][lang]), words)
    # the provider without answers in the latest wave: its practices at its latest follow-up
    lang = languages[who["gone"]]
    _, words = page(reports, who["gone"])
    assert said(text("practice_other_caption", lang, wave=label["followup"][lang]), words)
    assert not said(text("practice_other_caption", lang, wave=label["followup2"][lang]), words)

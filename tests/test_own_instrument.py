"""Any network's own instrument runs from ``strapetsi validate`` to reports, with no traceback.

Real ``strapetsi demo``, ``validate`` and ``run`` commands on small demo networks, over a matrix
of what an instrument and a dataset may lack or have (one run each, kept small for CI):

=============  =========  ======  ===========  ===========  ==================  =====
case           practices  themes  discussions  roles        scale               waves
=============  =========  ======  ===========  ===========  ==================  =====
own, 1 wave    no         no      no           own          1–6, lower better   1
own, 2 waves   no         no      no           own          1–6, lower better   2
packaged       yes        none    yes          default      1–5                 3
adapted        no theme   no      no           no leader    1–5                 2
=============  =========  ======  ===========  ===========  ==================  =====

Each report is checked for what the case must show (the survey's own title and scale) and
must not (a section whose declaration or data is missing, the packaged survey's words).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from strapetsi_lib.analysis.network_models import NOT_IDENTIFIED, TOO_FEW_PROVIDERS
from strapetsi_lib.config import INSTRUMENTS_DIR
from strapetsi_lib.ingest.instrument import load_instrument
from strapetsi_lib.present.i18n import text

pytestmark = pytest.mark.slow

PROVIDERS = 5
WELLBEING = "wellbeing_at_work_v1"
COMPETENCE = "competence_management_v1"


def strapetsi(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """A ``strapetsi`` command in a fresh process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "strapetsi_lib", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def demo(folder: Path, instrument: str) -> Path:
    result = strapetsi("demo", "--instrument", instrument, "--providers", PROVIDERS,
                       "--out", folder)
    assert result.returncode == 0, result.stderr
    return folder


def edit_spec(folder: Path, edit) -> None:
    spec = yaml.safe_load((folder / "dataset.yml").read_text(encoding="utf-8"))
    edit(spec)
    (folder / "dataset.yml").write_text(yaml.safe_dump(spec, allow_unicode=True),
                                        encoding="utf-8")


def validated_and_run(folder: Path, out: Path) -> dict[str, BeautifulSoup]:
    """``validate`` and ``run``: both succeed without a traceback; the reports, parsed."""
    checked = strapetsi("validate", folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = strapetsi("run", folder, "--out", out, "--jobs", "2")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    return {path.name: BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            for path in sorted(out.glob("*.html")) if path.name != "index.html"}


def words(page: BeautifulSoup) -> str:
    body = " ".join(page.get_text(" ").split())
    alts = " ".join(img.get("alt", "") for img in page.find_all("img"))
    return f"{body} {alts}"


def headings(page: BeautifulSoup) -> list[str]:
    return [h.get_text(" ", strip=True) for h in page.find_all(["h2", "h3"])]


def providers_of(folder: Path) -> dict[str, tuple[str, str]]:
    lines = (folder / "providers.csv").read_text(encoding="utf-8").splitlines()[1:]
    return {row.split(",")[0]: (row.split(",")[1], row.split(",")[2]) for row in lines}


# --------------------------------------------------------------------------- own instrument


@pytest.fixture(scope="module")
def wellbeing(tmp_path_factory) -> Path:
    return demo(tmp_path_factory.mktemp("wellbeing") / "two", WELLBEING)


#: A scale whose answers are not agreement (as the Big Five's "describes me"), with no
#: ``sides``: the reports quote its end labels.
DESCRIBES_ME = {
    1: {"fi": "Ei kuvaa minua lainkaan", "sv": "Stämmer inte alls"},
    2: {"fi": "Kuvaa minua melko huonosti", "sv": "Stämmer ganska dåligt"},
    3: {"fi": "Kuvaa minua hieman huonosti", "sv": "Stämmer något dåligt"},
    4: {"fi": "Kuvaa minua jonkin verran", "sv": "Stämmer något"},
    5: {"fi": "Kuvaa minua melko hyvin", "sv": "Stämmer ganska bra"},
    6: {"fi": "Kuvaa minua erittäin hyvin", "sv": "Stämmer mycket bra"},
}
#: Words of agreeing, and of a baseline or follow-up, that a one-wave "describes me" survey
#: whose dataset never chose them must not read.
NOT_THIS_SURVEYS_WORDS = ("samaa mieltä", "eri mieltä", "samanmielis", "instämm",
                          "samma åsikt", "annan åsikt", "lähtötilanne", "seuranta",
                          "utgångsläge", "uppföljning", "nuläge")


def test_own_instrument_one_wave(wellbeing, tmp_path):
    folder = tmp_path / "one"
    shutil.copytree(wellbeing, folder)
    own = yaml.safe_load((INSTRUMENTS_DIR / f"{WELLBEING}.yml").read_text(encoding="utf-8"))
    scale = own["scales"]["agreement6"]
    scale["labels"] = DESCRIBES_ME
    del scale["sides"]
    (folder / "own.yml").write_text(yaml.safe_dump(own, allow_unicode=True), encoding="utf-8")
    edit_spec(folder, lambda spec: spec.update(waves=spec["waves"][:1],
                                               instrument="own.yml"))
    reports = validated_and_run(folder, tmp_path / "out")
    instrument = load_instrument(folder / "own.yml")
    for name, page in reports.items():
        said = words(page).lower()
        for absent in NOT_THIS_SURVEYS_WORDS:
            assert absent not in said, (name, absent)
    for pid, (_, lang) in providers_of(folder).items():
        # the chart of answers is explained in the scale's own words for its two ends
        said = words(reports[f"provider_{pid}.html"])
        high = DESCRIBES_ME[6][lang][:1].lower() + DESCRIBES_ME[6][lang][1:]
        assert f"”{high}”" in said, pid
    # one wave: no caveats about change, the waves' list in the singular
    network = reports["network.html"]
    assert text("takehold_evidence_heading", "fi") not in headings(network)
    assert text("network_reliability_caption_one", "fi", wave="Kevät 2025") in words(network)
    providers = providers_of(folder)
    assert len(reports) == PROVIDERS + 1
    for pid, (name, lang) in providers.items():
        page = reports[f"provider_{pid}.html"]
        assert page.h1.get_text(strip=True) == f"{instrument.title[lang]}: {name}"
        said = words(page)
        assert {"fi": "asteikolla 1–6", "sv": "skalan 1–6"}[lang] in said
        assert instrument.dimension("workload").name[lang] in said
        for absent in ("Strapetsi", "1–5", text("devdisc_heading", lang),
                       text("takehold_heading", lang), text("takehold_heading_no_practices", lang)):
            assert absent not in said, (pid, absent)
        # the instrument's own roles head the respondents' table
        assert all(role.label[lang] in said for role in instrument.roles)
    network = reports["network.html"]
    assert network.h1.get_text(strip=True) == f"{instrument.title['fi']}: verkoston tulokset"
    assert text("network_no_takehold_no_practices", "fi") in words(network)


def test_own_instrument_two_waves(wellbeing, tmp_path):
    reports = validated_and_run(wellbeing, tmp_path / "out")
    instrument = load_instrument(WELLBEING)
    workload = instrument.dimension("workload").name
    for pid, (name, lang) in providers_of(wellbeing).items():
        page = reports[f"provider_{pid}.html"]
        assert page.h1.get_text(strip=True) == f"{instrument.title[lang]} 2025–2026: {name}"
        said = words(page)
        assert text("takehold_heading_no_practices", lang) in headings(page)
        # which way is better is said wherever the scale is: lower is better for the workload
        assert text("direction_mixed_one", lang, lower=workload[lang]) in said
        assert text("scale_best_mixed", lang, high=6, low=1, lower=workload[lang]) in said
        for absent in ("Strapetsi", text("devdisc_heading", lang),
                       text("takehold_practice_heading", lang)):
            assert absent not in said, (pid, absent)
    network = reports["network.html"]
    assert text("takehold_theme_heading", "fi") not in headings(network)
    assert text("network_status_heading", "fi") not in headings(network)
    assert text("takehold_network_heading", "fi") in headings(network)


# --------------------------------------------------------------------------- packaged, adapted


@pytest.fixture(scope="module")
def competence(tmp_path_factory) -> Path:
    return demo(tmp_path_factory.mktemp("competence") / "demo", COMPETENCE)


def test_packaged_instrument_three_waves_and_providers_without_themes(competence, tmp_path):
    folder = tmp_path / "three"
    shutil.copytree(competence, folder)
    shutil.copy(folder / "responses_followup.xlsx", folder / "responses_2026.xlsx")
    lines = (folder / "providers.csv").read_text(encoding="utf-8").splitlines()
    (folder / "providers.csv").write_text(
        "\n".join([lines[0]] + [row.rsplit(",", 1)[0] + "," for row in lines[1:]]) + "\n",
        encoding="utf-8")
    edit_spec(folder, lambda spec: spec["waves"].append(
        {"id": "second", "label": {"fi": "Seuranta 2026", "sv": "Uppföljning 2026",
                                   "en": "Follow-up 2026"}, "responses": "responses_2026.xlsx"}))
    reports = validated_and_run(folder, tmp_path / "out")
    instrument = load_instrument(COMPETENCE)
    for pid, (name, lang) in providers_of(folder).items():
        page = reports[f"provider_{pid}.html"]
        title = instrument.report_texts["provider_title_followup"][lang]
        assert page.h1.get_text(strip=True) == title.format(period="2024–2026", provider=name)
        said = words(page)
        assert text("devdisc_heading", lang) in headings(page)
        assert text("takehold_practice_heading", lang) in headings(page)
        assert text("practice_own_none", lang) in said  # it takes part in no theme
    network = reports["network.html"]
    assert text("takehold_theme_heading", "fi") not in headings(network)
    for reason in (TOO_FEW_PROVIDERS, NOT_IDENTIFIED):  # no "cannot be estimated" per theme
        assert text(f"stats_reason_{reason}", "fi") not in words(network)
    assert text("network_status_heading", "fi") in headings(network)


def test_adapted_instrument_practices_without_themes_and_no_leadership(competence, tmp_path):
    folder = tmp_path / "adapted"
    shutil.copytree(competence, folder)
    own = yaml.safe_load(load_instrument(COMPETENCE).source.read_text(encoding="utf-8"))
    own["id"] = "adapted_v1"
    for key in ("themes", "development_discussion", "report_texts"):
        del own[key]
    for practice in own["practices"]:
        del practice["theme"]  # every practice is every provider's own
    own["roles"] = [  # no leadership role: the reports compare no leaders with staff
        {"code": code, "label": {lang: label for lang in ("fi", "sv", "en")},
         "synonyms": synonyms}
        for code, label, synonyms in (("johto", "Johto", ["leader"]),
                                      ("opetus", "Opetus", ["teacher", "opettaja"]),
                                      ("tuki", "Tuki", ["support", "tukihenkilöstö"]),
                                      ("muu", "Muu", ["other"]))]
    (folder / "adapted.yml").write_text(yaml.safe_dump(own, allow_unicode=True),
                                        encoding="utf-8")
    lines = (folder / "providers.csv").read_text(encoding="utf-8").splitlines()
    (folder / "providers.csv").write_text(
        "\n".join(row.rsplit(",", 1)[0] for row in lines) + "\n", encoding="utf-8")
    edit_spec(folder, lambda spec: spec.update(instrument="adapted.yml"))
    reports = validated_and_run(folder, tmp_path / "out")
    instrument = load_instrument(folder / "adapted.yml")
    for pid, (name, lang) in providers_of(folder).items():
        page = reports[f"provider_{pid}.html"]
        assert page.h1.get_text(strip=True) == f"{instrument.title[lang]} 2024–2025: {name}"
        said = words(page)
        assert text("takehold_practice_heading", lang) in headings(page)
        assert text("practice_own_caption", lang, wave="")[:15] in said
        assert text("practice_own_none", lang) not in said
        assert text("devdisc_heading", lang) not in headings(page)
        assert "Strapetsi" not in said
        assert text("gap_none", lang, min_group=5) not in said
        assert text("roles_heading_no_leadership", lang) in headings(page)
    network = reports["network.html"]
    assert text("takehold_theme_heading", "fi") not in headings(network)
    assert text("network_status_heading", "fi") in headings(network)

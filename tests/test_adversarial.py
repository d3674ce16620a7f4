"""A hostile reader with only the HTML reports: no group under the minimum can be solved for.

The dataset is built here with the patterns that broke earlier rules (one lone leader with empty
roles, 4 + 6, 5 + 5 + 2 + 5 with a leader–staff gap, a role of 6 where one person answered a
dimension, a provider of 3, a small earlier wave, hidden roles whose answers were all alike, a
lone respondent at a wave) and with names, a region and a wave label that are markup. The real
provider and network reports are executed and exported, and the checks read only the produced
HTML, its figures' SVG included. The batch checks run ``strapetsi run`` twice into one folder
(a late answer to a hidden role in between) and compare what a recipient would get; they also
plant a ``_work`` symbolic link, run under umask 022 and give a ``dataset.yml`` whose responses
lie outside its folder.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import INSTRUMENT, WAVE_LABELS, write_dataset

from strapetsi_lib.errors import ReportError
from strapetsi_lib.ingest.dataset import load_dataset
from strapetsi_lib.ingest.instrument import load_instrument
from strapetsi_lib.present.i18n import text, too_few
from strapetsi_lib.present.survey_words import role_label
from strapetsi_lib.present.takehold_view import STATUS_SYMBOLS
from strapetsi_lib.render.parameters import run_network_report, run_provider_report

pytestmark = pytest.mark.slow

MGS = 5
LONE = "0100013-3"        # baseline: 1 leader + 5 teachers, support and other empty
FOUR_SIX = "0213427-2"    # baseline: 4 leaders + 6 teachers
GAP = "0371582-9"         # baseline: 5 leaders + 5 teachers + 2 support + 5 other, leaders high
ONE_ANSWER = "1053720-7"  # baseline: 6 leaders + 6 teachers, one leader answered co_learning
THREE = "2264918-5"       # 3 respondents at both waves
SMALL_EARLIER = "0912345-3"  # baseline: 3 respondents not using any practice; follow-up: 8
PLAIN = "0000000-0"       # replaced below by a valid id; a provider with nothing special
ALIKE = "0000001-0"       # replaced below: follow-up hidden roles (4 + 5) all disagree
LONE_WAVE = "0000002-0"   # replaced below: one respondent (a leader) at the follow-up
#: Names that are markup, on providers whose report has no other check, so that a report
#: failing on them (as the export check should make it, were they markup) hides no other leak.
HOSTILE_NAMES = {PLAIN: "<img src=x onerror=alert(1)>",
                 THREE: '<meta http-equiv="refresh" content="0;url=https://example.org">'}
HOSTILE_REGION = "<script>alert(1)</script>"
HOSTILE_WAVE = "[x](javascript:alert(1))"
#: The one co_learning answer of ONE_ANSWER, and its mean as the report would write it.
LONE_SCORE = 1
STAFF = {LONE: 20, FOUR_SIX: 25, GAP: 40, ONE_ANSWER: 30, THREE: 100, SMALL_EARLIER: 40,
         PLAIN: 20}
#: Response rates that rest on fewer than MGS respondents (THREE 3/100, SMALL_EARLIER 3/40).
SMALL_RATES = ("3", "8")


def _valid_id(start: int) -> str:
    from strapetsi_lib.ingest.ytunnus import ytunnus_check_digit

    for n in range(start, start + 100):
        digit = ytunnus_check_digit(f"{n:07d}")
        if digit is not None:
            return f"{n:07d}-{digit}"
    raise AssertionError("no valid id")


#: Placeholder → the valid id it stands for.
VALID = {PLAIN: _valid_id(3000000), ALIKE: _valid_id(3100000), LONE_WAVE: _valid_id(3200000)}
#: The development-discussion item, and answers that agree and that disagree.
DISCUSS, AGREE, DISAGREE = "discuss1", 5, 1


def _answers(rng, level: float, use: int | None = None, norm: int | None = None,
             skip: tuple[str, ...] = (), dimension_answer: dict | None = None,
             item_answer: dict | None = None) -> dict:
    row = {}
    for item in INSTRUMENT.items:
        scale = INSTRUMENT.scale_of(item.code)
        if item_answer and item.code in item_answer:
            row[item.code] = str(item_answer[item.code])
            continue
        if item.dimension in skip:
            row[item.code] = "en osaa sanoa"
            continue
        if dimension_answer and item.dimension in dimension_answer:
            value = dimension_answer[item.dimension]
            row[item.code] = str(scale.max + scale.min - value if item.reverse else value)
            continue
        if item.code in INSTRUMENT.scale_item_codes:
            value = int(np.clip(round(level + rng.normal(0, 0.6)), scale.min, scale.max))
            row[item.code] = str(scale.max + scale.min - value if item.reverse else value)
        elif item.code.endswith("_use"):
            row[item.code] = str(use if use is not None else int(rng.integers(3, 8)))
        else:
            row[item.code] = str(norm if norm is not None else int(rng.integers(3, 6)))
    return row


def _tables(late_support_at: str | None = None):
    """The dataset's tables; ``late_support_at`` adds one support answer at that provider's
    baseline (the late answer of the batch checks)."""
    plain, alike, lone_wave = VALID[PLAIN], VALID[ALIKE], VALID[LONE_WAVE]
    ids = [LONE, FOUR_SIX, GAP, ONE_ANSWER, THREE, SMALL_EARLIER, plain, alike, lone_wave]
    placeholder = {valid: key for key, valid in VALID.items()}
    providers = pd.DataFrame({
        "provider_id": ids,
        "name": [HOSTILE_NAMES.get(placeholder.get(pid, pid), f"Opisto {i}")
                 for i, pid in enumerate(ids)],
        "language": ["fi"] * len(ids),
        "region": [HOSTILE_REGION if pid == GAP else "Uusimaa" for pid in ids],
        "staff_count": [str(STAFF.get(pid, STAFF[PLAIN])) for pid in ids],
        "themes": ["quality", "pedagogy", "quality;pedagogy", "competence", "future", "quality",
                   "pedagogy;competence", "quality", "future"],
    }, dtype="str")
    rng = np.random.default_rng(99)
    baseline = {
        LONE: [("leader", {}), *[("teacher", {})] * 5],
        FOUR_SIX: [*[("leader", {})] * 4, *[("teacher", {})] * 6],
        GAP: [*[("leader", {"level": 4.8})] * 5, *[("teacher", {"level": 2})] * 5,
              *[("support", {"level": 2})] * 2, *[("other", {"level": 2})] * 5],
        ONE_ANSWER: [("leader", {"dimension_answer": {"co_learning": LONE_SCORE}}),
                     *[("leader", {"skip": ("co_learning",)})] * 5, *[("teacher", {})] * 6],
        THREE: [("leader", {}), *[("teacher", {})] * 2],
        # three teachers already in routine use at the baseline: counted, they would make the
        # practice "maintained" (in use at two waves) and so embedded, revealing what they said
        SMALL_EARLIER: [*[("teacher", {"use": 7, "norm": 5})] * 3],
        plain: [*[("teacher", {})] * 5, *[("support", {})] * 5],
        alike: [("teacher", {})] * 6,
        lone_wave: [("teacher", {})] * 6,
    }
    if late_support_at is not None:
        baseline[late_support_at] = [*baseline[late_support_at], ("support", {"level": 2})]
    followup = {pid: [("teacher", {})] * 8 for pid in ids}
    followup[THREE] = [("leader", {}), *[("teacher", {})] * 2]
    followup[SMALL_EARLIER] = [("teacher", {"use": 7, "norm": 5})] * 8
    # leaders (4) and "other" (5) are hidden together and all disagree; teachers and support
    # are split: the total minus the shown roles must not tell the hidden ones' answer
    say = {value: {"item_answer": {DISCUSS: value}} for value in (AGREE, DISAGREE)}
    followup[alike] = [*[("leader", say[DISAGREE])] * 4, *[("other", say[DISAGREE])] * 5,
                       *[("teacher", say[AGREE])] * 3, *[("teacher", say[DISAGREE])] * 7,
                       *[("support", say[AGREE])] * 3, *[("support", say[DISAGREE])] * 4]
    followup[lone_wave] = [("leader", {})]
    responses, counter = {}, 0
    for wave, plan in (("baseline", baseline), ("followup", followup)):
        rows = []
        for pid, members in plan.items():
            for role, options in members:
                counter += 1
                options = {"level": 3.6, **options}
                rows.append({"respondent_id": f"R{counter:04d}", "provider_id": pid,
                             "role": role, **_answers(rng, **options)})
        responses[wave] = pd.DataFrame(rows, dtype="str")
    return providers, responses


def _write(root, late_support_at: str | None = None, responses_at: str | None = None):
    """The adversarial dataset in ``root`` (see :func:`_tables`); ``responses_at`` names the
    baseline responses file in dataset.yml instead of the file written."""
    providers, responses = _tables(late_support_at)
    waves = [{"id": wave, "label": {**WAVE_LABELS[wave],
                                    **({"fi": HOSTILE_WAVE} if wave == "baseline" else {})},
              "responses": (responses_at if responses_at and wave == "baseline"
                            else f"responses_{wave}.csv")} for wave in responses]
    return write_dataset(root, providers=providers, responses=responses,
                         config={"name": "adversarial-test", "waves": waves,
                                 "min_group_size": MGS})


@pytest.fixture(scope="module")
def adversarial(tmp_path_factory):
    """The dataset's folder and its prepared tables."""
    from strapetsi_lib.prepare import prepare_tables

    root = _write(tmp_path_factory.mktemp("adversarial") / "adversarial")
    return root, prepare_tables(load_dataset(root))


@pytest.fixture(scope="module")
def reports(adversarial):
    root, prepared = adversarial
    out = root.parent / "reports"
    pages: dict[str, object] = {}
    placeholder = {valid: key for key, valid in VALID.items()}
    for pid in (LONE, FOUR_SIX, GAP, ONE_ANSWER, THREE, SMALL_EARLIER, *VALID.values(),
                "network"):
        key = placeholder.get(pid, pid)
        try:  # one failed report fails its own tests only
            pages[key] = (run_network_report(prepared, out, "fi") if pid == "network"
                          else run_provider_report(prepared, pid, out)).html
        except ReportError as error:
            pages[key] = error
    return pages


def page_of(reports: dict, pid: str):
    if isinstance(reports[pid], ReportError):
        pytest.fail(f"the report of {pid} failed: {reports[pid]}")
    return reports[pid]


def soup_of(reports: dict, pid: str) -> BeautifulSoup:
    return BeautifulSoup(page_of(reports, pid).read_text(encoding="utf-8"), "html.parser")


def table_by_caption(soup: BeautifulSoup, caption: str) -> list[list[str]]:
    for table in soup.find_all("table"):
        if table.caption and table.caption.get_text(" ", strip=True) == caption:
            return [[cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
                    for row in table.find_all("tr")]
    raise AssertionError(f"no table captioned {caption!r}")


def _count(cell: str) -> int | None:
    return int(cell) if cell.isdigit() else None


@pytest.mark.parametrize("pid", [LONE, FOUR_SIX, GAP, ONE_ANSWER, THREE, SMALL_EARLIER])
def test_role_counts_never_let_a_small_group_be_subtracted(reports, pid):
    rows = table_by_caption(soup_of(reports, pid), text("respondents_caption", "fi"))
    header, body = rows[0], rows[1:]
    roles, total = body[:4], body[4]
    for col in range(1, len(header)):
        shown = [_count(row[col]) for row in roles]
        assert all(n is None or n == 0 or n >= MGS for n in shown), (header[col], shown)
        total_n = _count(total[col])
        if total_n is None:
            assert all(n in (None, 0) for n in shown)
            continue
        assert total_n >= MGS
        hidden = total_n - sum(n for n in shown if n is not None)
        assert hidden == 0 or hidden >= MGS, f"{pid} {header[col]}: {hidden} by subtraction"


@pytest.mark.parametrize("pid", [LONE, FOUR_SIX, THREE])
def test_no_role_mean_where_every_role_must_hide(reports, pid):
    """At the baseline every role of these providers must hide (a lone leader beside five
    teachers; four leaders beside six teachers; three respondents): no role mean of that wave
    is shown. The report's role view is of the latest wave, where LONE's and FOUR_SIX's eight
    teachers (and no one else) may show and THREE's three may not."""
    soup = soup_of(reports, pid)
    prefix = text("alt_roles", "fi", roles="")[:40]
    heatmaps = [img["alt"] for img in soup.find_all("img") if img["alt"].startswith(prefix)]
    captions = [c.get_text(" ", strip=True) for c in soup.find_all(["caption", "figcaption"])]
    baseline = text("roles_caption", "fi", wave=HOSTILE_WAVE)
    assert baseline not in captions, f"{pid}: the baseline's role means are shown"
    if pid == THREE:
        assert heatmaps == [], f"{pid}: a role heatmap is shown: {heatmaps}"
        return
    shown = [alt[len(prefix):].split(".")[0].split(": ", 1)[-1] for alt in heatmaps]
    assert shown == [role_label(INSTRUMENT, "teacher", "fi")], \
        f"{pid}: {heatmaps}"
    latest = text("roles_caption", "fi", wave=WAVE_LABELS["followup"]["fi"])
    assert latest in captions, f"{pid}: the role view is not the latest wave's"


def test_no_gap_sentence_when_the_leaders_are_hidden_to_protect_another_role(reports):
    page = soup_of(reports, GAP).get_text(" ")
    assert text("gap_none", "fi", min_group=MGS) in page
    for key in ("gap_higher", "gap_lower"):
        assert text(key, "fi") not in page


def test_one_persons_dimension_score_is_not_shown(reports):
    soup = soup_of(reports, ONE_ANSWER)
    # an inline (SVG) figure or a table would carry the lone answer as "1,0"
    assert not re.search(r"(?<![\d,])1,0(?!\d)", soup.get_text(" "))


def test_a_provider_of_three_shows_no_number(reports):
    soup = soup_of(reports, THREE)
    # the profile of whichever wave the report shows (each has three respondents)
    start = text("profile_caption", "fi", wave="").rstrip("()")
    caption = next(c.get_text(" ", strip=True) for c in soup.find_all("caption")
                   if c.get_text(" ", strip=True).startswith(start))
    rows = table_by_caption(soup, caption)
    assert all(row[1] == too_few("fi", MGS) for row in rows[1:])
    assert "3\u00a0%" not in soup.get_text(" ")


def test_a_small_earlier_wave_does_not_decide_the_status(reports):
    soup = soup_of(reports, SMALL_EARLIER)
    wave = WAVE_LABELS["followup"]["fi"]
    captions = {text(key, "fi", wave=wave) for key in ("practice_own_caption",
                                                        "practice_other_caption")}
    tables = [table_by_caption(soup, c.get_text(" ", strip=True))
              for c in soup.find_all("caption") if c.get_text(" ", strip=True) in captions]
    statuses = {row[table[0].index(text("takehold_col_status", "fi"))]
                for table in tables for row in table[1:]}
    # every follow-up answer is routine use with full normalisation: known at one wave only,
    # that is adopting; what the three said at the baseline must not make it embedded
    assert statuses
    assert all(s.startswith(f"{STATUS_SYMBOLS['adopting']} {text('status_adopting', 'fi')}")
               for s in statuses), statuses
    assert text("disclosure_unknown_waves", "fi", n=MGS,
                waves=text("waves_named_one", "fi", waves=HOSTILE_WAVE)) in \
        soup.get_text(" ")


def test_network_report_gives_no_rate_of_a_small_provider(reports):
    page = soup_of(reports, "network").get_text(" ")
    for rate in SMALL_RATES:
        assert not re.search(rf"(?<![\d,]){rate}\u00a0%", page), f"{rate} % is shown"


def test_names_region_and_labels_from_data_are_text(reports):
    for pid, name in HOSTILE_NAMES.items():
        soup = soup_of(reports, pid)
        assert name in soup.get_text(" ")
        assert soup.title.get_text().count(name) == 1
    for pid in reports:
        soup = soup_of(reports, pid)
        assert HOSTILE_WAVE in soup.get_text(" ")
        assert not soup.find_all(["script", "iframe", "object", "embed"])
        assert not soup.find_all("meta", attrs={"http-equiv": re.compile("refresh", re.I)})
        assert not [img for img in soup.find_all("img")
                    if not img.get("src", "").startswith("data:")]
        assert not [(tag.name, a) for tag in soup.find_all(True) for a in tag.attrs
                    if a.lower().startswith("on")]
        assert not soup.find_all(href=re.compile(r"^\s*javascript:", re.I))


@pytest.mark.browser
def test_hostile_names_run_nothing_and_go_nowhere_in_chromium(reports):
    from browser import CHROMIUM, chromium

    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    with chromium() as browser:
        for pid in HOSTILE_NAMES:
            page = browser.new_page()
            dialogs, requests = [], []
            page.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message),
                                                            dialog.dismiss()))
            page.on("request", lambda request, seen=requests: seen.append(request.url))
            url = page_of(reports, pid).resolve().as_uri()
            page.goto(url)
            page.wait_for_timeout(1500)  # a meta refresh of 0 s or an onerror fires by then
            assert dialogs == [], f"{pid}: a script ran: {dialogs}"
            assert page.url == url, f"{pid}: the page went to {page.url}"
            assert [r for r in requests if not r.startswith(("file:", "data:"))] == []
            assert HOSTILE_NAMES[pid] in page.inner_text("h1")
            page.close()


# --- precision, attribute disclosure, a lone respondent, the network report's rows ----------

#: The precision each figure's values are printed with (its text alternative's key): means
#: one decimal, changes two (an interval's bound near 0 three: stats_view.verdict_decimals),
#: shares whole percentages (a bar of the statement chart starts at minus half the neutral
#: share, so half percentages), response rates whole percentages.
FIGURE_STEPS = {"alt_profile": 0.1, "alt_place": 0.1, "alt_items": 0.5, "alt_change": 0.001,
                "network_alt_spread": 0.1, "network_alt_rates": 1.0}


def _figure_step(alt: str) -> float | None:
    for key, step in FIGURE_STEPS.items():
        words = text(key, "fi", n=0, n_items=0, top="", top_share="", bottom="",
                     bottom_share="", scale="", part=0, parts=0,
                     wave="", high_side="")
        if alt.startswith(str(words)[:25]):
            return step
    return None


def test_figures_carry_no_more_than_the_tables_print(reports):
    from figure_precision import figures, imprecise_values

    checked = 0
    for pid in reports:
        for alt, svg in figures(page_of(reports, pid).read_text(encoding="utf-8")):
            step = _figure_step(alt)
            if step is None:
                continue
            checked += 1
            found = imprecise_values(svg, step)
            assert found == [], f"{pid}: {alt[:40]}… draws {found[:3]} (printed to {step})"
    assert checked >= 10


def _share_count(cell: str, answers: int) -> int | None:
    """The agreeing answers behind a printed share (``30 %`` of 10 is 3); None for a band."""
    match = re.fullmatch(r"(\d+)\u00a0%", cell)
    return round(int(match.group(1)) * answers / 100) if match else None


def test_hidden_roles_that_all_answered_alike_are_not_told(reports):
    soup = soup_of(reports, ALIKE)
    caption = text("devdisc_caption", "fi", wave=WAVE_LABELS["followup"]["fi"])
    rows = table_by_caption(soup, str(caption))[1:]
    roles, total = rows[:4], rows[4]
    total_n = _count(total[1])
    assert total_n == 26
    total_agree = _share_count(total[2], total_n)
    shown = [(int(row[1]), _share_count(row[2], int(row[1]))) for row in roles
             if _count(row[1])]
    hidden = total_n - sum(n for n, _ in shown)
    assert hidden >= MGS
    if total_agree is not None:  # a band tells no count
        hidden_agree = total_agree - sum(a for _, a in shown)
        assert 0 < hidden_agree < hidden, f"the {hidden} hidden answers all alike"
    # a role hidden only to protect another says so, not "fewer than 5"
    said = {row[0]: row[1] for row in roles}
    other = load_instrument("competence_management_v1").role("other").label["fi"]
    assert said[other] != too_few("fi", MGS)


def test_a_lone_respondents_role_is_not_told(reports):
    rows = table_by_caption(soup_of(reports, LONE_WAVE), text("respondents_caption", "fi"))
    column = rows[0].index(WAVE_LABELS["followup"]["fi"])
    cells = [row[column] for row in rows[1:5]]
    assert "0" not in cells and len(set(cells)) == 1, cells


def test_the_network_report_singles_out_no_provider(reports, adversarial):
    from strapetsi_lib.present.provider_codes import provider_codes

    _, prepared = adversarial
    page = page_of(reports, "network").read_text(encoding="utf-8")
    from figure_precision import figures

    words = BeautifulSoup(page, "html.parser").get_text(" ")
    words += " ".join(" ".join(svg.itertext()) for _, svg in figures(page))
    # nine providers with their own statuses: any row by code would point to its provider
    shown = [code for code in provider_codes(prepared).values() if code in words]
    assert shown == []


# --- the batch: a re-run after a late answer, the files -------------------------------------


@pytest.fixture(scope="module")
def reruns(tmp_path_factory):
    """``strapetsi run`` of one provider and the network report under umask 022, then again
    into the same folder after one late answer to GAP's hidden support role (2 → 3)."""
    import os

    from rich.console import Console

    from strapetsi_lib.batch.run import RunOptions, run_batch

    base = tmp_path_factory.mktemp("reruns")
    out = base / "run"
    previous = os.umask(0o022)
    try:
        versions = []
        for late in (None, GAP):
            root = _write(base / ("late" if late else "first"), late_support_at=late)
            outcome = run_batch(RunOptions(dataset=root, out_dir=out, providers=[GAP],
                                           network=True), Console(stderr=True))
            assert outcome.exit_code == 0, outcome
            versions.append({name: (out / name).read_bytes()
                             for name in (f"provider_{GAP}.html", "network.html")})
    finally:
        os.umask(previous)
    return out, versions


def test_a_late_answer_to_a_hidden_role_does_not_replace_the_published_reports(reruns):
    _, (first, second) = reruns
    for name in first:  # what a recipient of both versions could compare
        assert second[name] == first[name], f"{name} was replaced after one late answer"


def test_coordinator_files_are_private_whatever_the_umask(reruns):
    out, _ = reruns
    for name, mode in (("index.html", 0o600), ("_work", 0o700), ("_work/manifest.json", 0o600),
                       ("_work/notebooks", 0o700)):
        assert (out / name).stat().st_mode & 0o777 == mode, name


def test_a_planted_work_link_is_not_written_through(adversarial, tmp_path):
    from rich.console import Console

    from strapetsi_lib.batch.run import RunOptions, run_batch
    from strapetsi_lib.errors import OutputFolderError

    root, _ = adversarial
    elsewhere, out = tmp_path / "elsewhere", tmp_path / "run"
    elsewhere.mkdir()
    out.mkdir()
    (out / "_work").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputFolderError, match="symbolic link"):
        run_batch(RunOptions(dataset=root, out_dir=out, providers=[GAP]), Console(stderr=True))
    assert list(elsewhere.iterdir()) == []
    assert not list(out.glob("*.html"))


def test_a_dataset_yml_path_outside_its_folder_is_not_read(tmp_path):
    from rich.console import Console

    from strapetsi_lib.batch.run import RunOptions, run_batch

    other = _write(tmp_path / "other")
    root = _write(tmp_path / "given", responses_at="../other/responses_baseline.csv")
    assert (root / "../other/responses_baseline.csv").resolve() == \
        other / "responses_baseline.csv"
    outcome = run_batch(RunOptions(dataset=root, out_dir=tmp_path / "run", providers=[GAP]),
                        Console(stderr=True))
    assert [str(p) for p in outcome.problems] == [
        "dataset.yml:10:waves[1].responses: wave 1 the file ../other/responses_baseline.csv is "
        "outside the dataset folder; name a file inside it"]
    assert not (tmp_path / "run").exists() or not list((tmp_path / "run").glob("*.html"))

"""docs/adding-a-report-section.md, followed: a section added the documented way reaches the
report's HTML, its spreadsheet download and the kernel server's figure warm-up.

The test copies the project, adds a section "respondents by survey round" in the guide's steps
(words, view, figure, the figure's registration, the notebook cell through ``strapetsi_lib.api``)
and runs a real report with the copy on a four-provider demo. Steps 1 and 2 of the guide (a new
statistic and its prepared table) are not needed: the section reads a prepared table that exists.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

from strapetsi_lib.config import CHECKOUT
from strapetsi_lib.ingest.demo import generate_demo

#: Step 3: the words, in a file of the topic's own.
TEXTS = """\
respwave_heading:
  fi: Vastaajat kyselykierroksittain
  sv: Respondenter per enkätomgång
  en: Respondents by survey round
respwave_caption:
  fi: Vastaajia kyselykierroksittain
  sv: Respondenter per enkätomgång
  en: Respondents per survey round
respwave_column:
  fi: Vastaajia
  sv: Respondenter
  en: Respondents
respwave_axis:
  fi: Vastaajien määrä kierroksella
  sv: Antal respondenter per omgång
  en: Number of respondents in the round
respwave_alt:
  fi: "Pylväskuvio: vastaajien määrä kyselykierroksittain ({counts})."
  sv: "Stapeldiagram: antal respondenter per enkätomgång ({counts})."
  en: "Bar chart: respondents by survey round ({counts})."
"""

#: Step 4: the view, which selects the provider's rows and applies the disclosure rule.
VIEW = '''"""Respondents by survey round: one provider's rows of ``respondents_by_role``."""

from __future__ import annotations

import pandas as pd

from strapetsi_lib.analysis.disclosure import may_show
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.present.i18n import text, too_few


def respondents_by_wave(prepared: Prepared, provider_id: str) -> pd.Series:
    """The provider's respondents in each wave."""
    rows = prepared.rows("respondents_by_role", provider_id)
    return rows.groupby("wave")["n"].sum().reindex(prepared.wave_ids).fillna(0)


def wave_table(counts: pd.Series, prepared: Prepared, language: str) -> pd.DataFrame:
    """The counts as the report shows them: small ones hidden."""
    mgs = prepared.min_group_size
    cells = [str(int(n)) if may_show(n, mgs) else too_few(language, mgs) for n in counts]
    return pd.DataFrame({text("respwave_column", language): cells},
                        index=[prepared.wave_label(w, language) for w in counts.index])
'''

#: Step 5: the figure, beside the provider report's others.
FIGURE = '''

def respondents_by_wave_figure(counts, prepared, language):
    """Respondents by survey round as bars; small counts are not drawn."""
    from strapetsi_lib.analysis.disclosure import may_show

    _style()
    shown = [n if may_show(n, prepared.min_group_size) else 0 for n in counts]
    labels = [prepared.wave_label(w, language) for w in counts.index]
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 2), layout="constrained")
    ax.barh(labels, shown, color=HIGHLIGHT)
    ax.set_xlabel(text("respwave_axis", language))
    alt = text("respwave_alt", language,
               counts=", ".join(f"{label} {int(n)}" for label, n in zip(labels, shown)))
    return fig, alt
'''

#: Step 5 still: the figure among the report's figures (present/report_figures.py).
REGISTERED = """    from strapetsi_lib.present import respwave_view as respwave

    return {
        "respwave": (lambda: respwave.respondents_by_wave(prepared, provider_id),
                     lambda counts: plots.respondents_by_wave_figure(counts, prepared, lang)),
"""

#: Step 6: the cell, before the methods.
CELL = """counts = respwave.respondents_by_wave(prepared, provider_id)
show_heading(text("respwave_heading", lang), 2)
tables.show(respwave.wave_table(counts, prepared, lang), text("respwave_caption", lang))
show_figure(*plots.respondents_by_wave_figure(counts, prepared, lang))"""


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name} no longer has {old!r}: update the guide"
    path.write_text(text.replace(old, new), encoding="utf-8")


def add_the_section(project: Path) -> None:
    """The guide's steps, done in the copied project."""
    package = project / "strapetsi_lib"
    (package / "texts" / "respwave_texts.yml").write_text(TEXTS, encoding="utf-8")
    (package / "present" / "respwave_view.py").write_text(VIEW, encoding="utf-8")
    with open(package / "present" / "provider_figures.py", "a", encoding="utf-8") as figures:
        figures.write(FIGURE)
    # the figure in present/report_figures.py, so that the kernel server's warm-up draws it
    registry = package / "present" / "report_figures.py"
    source = registry.read_text(encoding="utf-8")
    source, found = re.subn(r'^(FIGURES = \(.*)\)$', r'\1, "respwave")', source,
                            flags=re.MULTILINE)
    assert found == 1, "report_figures.py lists its figures otherwise: update the guide"
    registry.write_text(source, encoding="utf-8")
    _replace_once(registry, "    return {\n", REGISTERED)
    # the view among the names notebooks import (strapetsi_lib/api.py)
    api = package / "api.py"
    _replace_once(api, "from strapetsi_lib.present import (\n",
                  "from strapetsi_lib.present import (\n    respwave_view,\n")
    _replace_once(api, "__all__ = [\n", '__all__ = [\n    "respwave_view",\n')
    # the import and the cell in the paired .py, then the notebook made from it
    paired = project / "notebooks" / "provider_report.py"
    notebook = jupytext.read(paired)
    imports = next(cell for cell in notebook.cells if "from strapetsi_lib.api" in cell.source)
    imports.source += "\nfrom strapetsi_lib.api import respwave_view as respwave"
    methods = next(i for i, cell in enumerate(notebook.cells)
                   if "methods_heading" in cell.source)
    notebook.cells.insert(methods, jupytext.reads(f"# %%\n{CELL}\n", fmt="py:percent").cells[0])
    jupytext.write(notebook, paired, fmt="py:percent")
    jupytext.write(notebook, project / "notebooks" / "provider_report.ipynb")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("project")
    shutil.copy(CHECKOUT / "pyproject.toml", project)
    shutil.copytree(CHECKOUT / "strapetsi_lib", project / "strapetsi_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(CHECKOUT / "notebooks", project / "notebooks",
                    ignore=shutil.ignore_patterns("exploration", ".ipynb_checkpoints"))
    add_the_section(project)
    return project


def _in_project(project: Path, code: str) -> str:
    """Run Python ``code`` with the copied project's package; return what it printed."""
    env = {**os.environ, "PYTHONPATH": str(project), "STRAPETSI_HOME": str(project)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=project, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _words(key: str, language: str) -> str:
    """The section's words for ``key`` in ``language``, from :data:`TEXTS`."""
    lines = TEXTS.splitlines()
    start = lines.index(f"{key}:")
    return next(line.split(": ", 1)[1] for line in lines[start + 1:start + 4]
                if line.startswith(f"  {language}: "))


@pytest.mark.slow
def test_a_section_added_as_the_guide_says_reaches_the_report_download_and_warm_up(project):
    dataset = generate_demo(project / "data" / "demo", n_providers=4, seed=5)
    made = json.loads(_in_project(project, f"""
import json
from pathlib import Path

from strapetsi_lib.config import PROVIDER_NOTEBOOK
from strapetsi_lib.prepare import load_prepared
from strapetsi_lib.present import text_metrics
from strapetsi_lib.present.report_figures import FIGURES, warm_text_metrics
from strapetsi_lib.render.export import render_report
from strapetsi_lib.render.parameters import provider_parameters

prepared = load_prepared({str(dataset)!r})
parameters = provider_parameters(prepared, str(prepared["providers"]["provider_id"].iloc[0]))
result = render_report(PROVIDER_NOTEBOOK, parameters, Path({str(project / "reports")!r}),
                       "report", parameters["language"])
failed = list(warm_text_metrics(prepared))
print(json.dumps({{"html": str(result.html), "language": parameters["language"],
                  "figures": list(FIGURES), "failed": failed,
                  "measured": sorted({{key[2] for key in text_metrics.measured()["sizes"]}})}}))
"""))
    html = Path(made["html"]).read_text(encoding="utf-8")
    language = made["language"]
    caption = _words("respwave_caption", language)
    # the HTML: the heading, the table and the figure with its text alternative
    assert f"<h2>{_words('respwave_heading', language)}</h2>" in html
    assert f"<caption>{caption}</caption>" in html
    alt = _words("respwave_alt", language).strip('"').split(" (")[0]
    assert re.search(rf'<img alt="{re.escape(alt)} \([^"]+\)\."[^>]* src="data:image/svg',
                     html)
    # the download: the table is in the report's CSV file, as shown
    from strapetsi_lib.present.download import parse_csv

    link = re.search(r'href="data:text/csv;[^"]*base64,([^"]+)"', html)
    _, found = parse_csv(base64.b64decode(link.group(1)), language)
    tables = dict(found)
    assert caption in tables and len(tables[caption]) == 3  # header and two survey rounds
    # the warm-up: the new figure is drawn with the others and its texts are measured
    assert made["figures"][-1] == "respwave" and made["failed"] == []
    assert _words("respwave_axis", language) in made["measured"]

"""The report figures: SVG with text as text, numbers in the report's language, full wording.

Each figure is drawn from the demo's prepared tables and read back from the SVG that goes into
the report (``display.figure_html``), so these tests see what the reader sees.
"""

from __future__ import annotations

import base64
import re
import textwrap
from html import unescape

import pandas as pd
import pytest

from strapetsi_lib.present import display, figure_style
from strapetsi_lib.present import provider_figures as plots
from strapetsi_lib.present import provider_view as view
from strapetsi_lib.present.i18n import too_few

FINNISH = "3266069-5"  # a Finnish demo provider (as in test_provider_report)
_SVG_URI = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')
_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.DOTALL)


def svg_of(figure_and_alt) -> tuple[str, str]:
    """The SVG document embedded by ``figure_html`` and the figure's alt text."""
    figure, alt = figure_and_alt
    markup = display.figure_html(figure, alt)
    return base64.b64decode(_SVG_URI.search(markup).group(1)).decode("utf-8"), alt


def texts_of(svg: str) -> list[str]:
    """Every text drawn in the SVG, as text (svg.fonttype none keeps it so)."""
    return [unescape(re.sub(r"<[^>]+>", "", body)).strip() for body in _TEXT.findall(svg)]


@pytest.fixture(scope="module")
def wave(prepared):
    return view.baseline_wave(prepared)


def test_profile_ticks_use_the_decimal_comma_in_finnish(prepared, wave):
    profile = view.dimension_profile(prepared, FINNISH, wave)
    network = prepared["network_dimension_means"]
    svg, _ = svg_of(plots.dimension_profile(profile, network[network["wave"] == wave],
                                            prepared.instrument, "fi"))
    texts = texts_of(svg)
    assert "<path" in svg and texts, "the SVG keeps its text as text"
    assert {"1,0", "1,5", "2,0", "2,5", "3,0", "4,5", "5,0"} <= set(texts)
    assert not any(re.fullmatch(r"\d\.\d", t) for t in texts)
    english, _ = svg_of(plots.dimension_profile(profile, network[network["wave"] == wave],
                                                prepared.instrument, "en"))
    assert {"1.0", "2.5", "5.0"} <= set(texts_of(english))


def test_place_and_heatmap_scale_are_written_in_finnish(prepared, wave):
    ranks = view.network_ranks(prepared, wave)
    place = texts_of(svg_of(plots.provider_place(ranks, FINNISH, prepared.instrument, "fi"))[0])
    assert any(re.fullmatch(r"\d,\d", t) for t in place)
    role_means = view.role_means(prepared, FINNISH, wave)
    heat = texts_of(svg_of(plots.role_heatmap(role_means, prepared.instrument, "fi",
                                              too_few("fi", prepared.min_group_size)))[0])
    shown = role_means["mean"].dropna()
    # The colour bar's ticks (and the cells) use the comma; no tick has a decimal point.
    assert any(re.fullmatch(r"\d,\d", t) for t in heat)
    assert not any(re.fullmatch(r"\d\.\d+", t) for t in heat)
    low, high = figure_style.fitted_limits(shown, 1, 5)
    assert low <= shown.min() and shown.max() <= high and high - low < 4


def test_statement_chart_has_every_statement_in_full_grouped_by_area(prepared, wave):
    instrument = prepared.instrument
    distribution = view.item_distribution(prepared, FINNISH, wave)
    svg, alt = svg_of(plots.item_diverging_bars(distribution, instrument, "fi"))
    texts = texts_of(svg)
    assert not any("\u2026" in t for t in texts) and "\u2026" not in alt
    joined = "\n".join(texts)
    for code in instrument.scale_item_codes:
        for line in textwrap.fill(instrument.item(code).text["fi"],
                                  plots.STATEMENT_WRAP).splitlines():
            assert line in joined, line
    names = [instrument.dimension(d).name["fi"] for d in instrument.dimension_codes]
    positions = [texts.index(name) for name in names]
    assert positions == sorted(positions), "areas appear in the instrument's order"
    assert "50\u00a0%" in texts  # the share axis in the Finnish way
    # The neutral answer is drawn in a grey that shows on white, also in the legend.
    assert figure_style.NEUTRAL.lower() in svg.lower()


def test_locale_formatter_writes_ticks_as_the_language_does():
    formatter = figure_style.LocaleFormatter("fi")
    formatter.set_locs([-0.2, 0.0, 0.2])
    assert [formatter(v) for v in (-0.2, 0.0, 0.2)] == ["\u22120,2", "0,0", "0,2"]
    formatter.set_locs([1, 2, 3])
    assert formatter(2) == "2"
    shares = figure_style.LocaleFormatter("sv", 0, as_percent=True, absolute=True)
    assert shares(-50) == "50\u00a0%"
    assert figure_style.LocaleFormatter("en", 2)(2.25) == "2.25"


@pytest.mark.parametrize(("values", "expected"), [
    ([2.62, 3.91], (2.5, 4.0)),       # rounded out to half points
    ([3.1, 3.3], (3.0, 4.0)),         # at least one point wide
    ([4.7, 4.9], (4.0, 5.0)),         # widened downwards at the scale's end
    ([1.0, 5.0], (1.0, 5.0)),
    ([float("nan")], (1.0, 5.0)),     # nothing shown: the whole scale
])
def test_heatmap_colour_scale_fits_the_data(values, expected):
    assert figure_style.fitted_limits(pd.Series(values), 1, 5) == expected


def test_palettes_tell_the_answers_apart():
    colours = figure_style.agreement_colours([1, 2, 3, 4, 5], 3)
    assert colours[2] == figure_style.NEUTRAL and len(set(colours)) == 5
    # The neutral grey is visibly darker than the white background (not the near-white of RdBu).
    red, green, blue = (int(figure_style.NEUTRAL[i:i + 2], 16) for i in (1, 3, 5))
    assert max(red, green, blue) < 0xd0


def test_the_theme_is_seaborns_without_importing_it():
    """figure_style.THEME is what ``seaborn.set_theme`` sets (the figures looked like this when
    drawn with seaborn's theme), less the colour map only seaborn registers; the agreement
    colours are seaborn's RdBu palette."""
    import matplotlib
    import seaborn as sns

    with matplotlib.rc_context():
        sns.set_theme(style="whitegrid", context="notebook", font_scale=figure_style.FONT_SCALE,
                      rc=figure_style.RC_PARAMS)
        seaborns = dict(matplotlib.rcParams)
    with matplotlib.rc_context():
        figure_style.apply_style()
        ours = dict(matplotlib.rcParams)
    assert seaborns.pop("image.cmap") == "rocket"
    ours.pop("image.cmap")
    assert ours == seaborns
    for n in (3, 4, 5, 7):
        values = list(range(1, n + 1))
        assert (figure_style.agreement_colours(values, neutral=0)
                == sns.color_palette("RdBu", n).as_hex())


@pytest.mark.slow
@pytest.mark.parametrize("language", ["fi", "sv"])
def test_everything_drawn_lies_inside_the_figure(prepared, language):
    """Nothing runs off an edge: not a long dimension name, not the profile's legend (which,
    centred over the axes rather than the figure, runs off the right edge in Swedish)."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from strapetsi_lib.present.report_figures import figure_makers

    providers = prepared["providers"]
    provider_id = str(providers.loc[providers["language"] == language, "provider_id"].iloc[0])
    for name, (select, draw) in figure_makers(prepared, provider_id).items():
        figure = draw(select())[0]
        display.figure_svg(figure)  # lays the figure out as the report does and keeps it
        canvas = FigureCanvasAgg(figure)
        canvas.draw()  # places the axis labels again, for this canvas's measures
        renderer = canvas.get_renderer()
        # what the layout holds (the axes with their drawn ticks, labels and legends), and the
        # texts placed by hand outside it
        boxes = {"layout": figure.get_tightbbox(renderer).transformed(figure.dpi_scale_trans)}
        boxes |= {label.get_text(): label.get_window_extent(renderer)
                  for label in figure.findobj(Text)
                  if label.get_visible() and label.get_text().strip()
                  and not label.get_in_layout()}
        for what, box in boxes.items():
            assert box.x0 >= -0.5 and box.x1 <= figure.bbox.width + 0.5, (name, what, box)
            assert box.y0 >= -0.5 and box.y1 <= figure.bbox.height + 0.5, (name, what, box)
        plt.close(figure)


def test_colours_follow_which_way_is_better():
    """Where a lower score is better, a rise is drawn in the worsening colour, the better answer
    is blue and a better mean is the darker cell, as in every other dimension."""
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Rectangle

    from strapetsi_lib.ingest.instrument import load_instrument
    from strapetsi_lib.present.figure_style import HIGHLIGHT, WORSE

    wellbeing = load_instrument("wellbeing_at_work_v1")
    lower = next(d for d in wellbeing.dimension_codes if not wellbeing.higher_is_better(d))
    higher = next(d for d in wellbeing.dimension_codes if wellbeing.higher_is_better(d))
    changes = pd.DataFrame({"dimension": [higher, lower], "estimate": [0.95, 0.95],
                            "ci_low": [0.5, 0.5], "ci_high": [1.4, 1.4],
                            "p_adjusted": [0.001, 0.001], "hedges_g": [0.9, 0.9]})
    figure, _ = plots.change_forest(changes, wellbeing, "fi")
    colours = {mcolors.to_hex(line.get_color()) for line in figure.axes[0].lines
               if line.get_marker() == "o"}
    assert colours == {HIGHLIGHT, WORSE}  # the same rise: an improvement and a worsening
    points = {mcolors.to_hex(line.get_color()): line.get_ydata()[0]
              for line in figure.axes[0].lines if line.get_marker() == "o"}
    drawn = [d for d in wellbeing.dimension_codes if d in (higher, lower)]
    assert points[WORSE] == drawn.index(lower)  # the lower-is-better one is the worsening
    plt.close(figure)
    # the network's change chart alike, with the worsening in its legend
    from strapetsi_lib.present import network_figures

    network = changes.assign(name=[wellbeing.dimension(d).name["fi"] for d in
                                   changes["dimension"]],
                             effect_size=0.9, clear=True, ci_level=0.95)
    figure, _ = network_figures.change_forest(network, "fi", wellbeing)
    faces = [mcolors.to_hex(line.get_markerfacecolor()) for line in figure.axes[0].lines
             if line.get_marker() == "o"]
    assert faces == [network_figures.CLEAR, WORSE]  # the same rise, the second for the worse
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert labels == ["Selvä parannus", "Selvä heikkeneminen", "Ei selvä"]
    plt.close(figure)

    roles = wellbeing.role_codes[:2]
    means = pd.DataFrame([{"role": r, "dimension": d, "mean": 4.5}
                          for r in roles for d in (higher, lower)])
    figure, _ = plots.role_heatmap(means, wellbeing, "fi", "alle 5")
    cells = [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]
    order = [d for d in wellbeing.dimension_codes if d in (higher, lower)]
    by_row = {}
    for cell in cells:
        by_row.setdefault(round(cell.get_y(), 2), []).append(sum(cell.get_facecolor()[:3]))
    lightness = [by_row[y][0] for y in sorted(by_row)]
    # a 4,5 is good where higher is better (dark) and bad where lower is (light)
    dark, light = ((0, 1) if order[0] == higher else (1, 0))
    assert lightness[dark] < lightness[light]
    plt.close(figure)

    item = next(i for i in wellbeing.dimension_items(lower) if not i.reverse)
    scale = wellbeing.scale_of(item.code)
    distribution = pd.DataFrame({"item": item.code, "value": scale.values,
                                 "share": [1.0 if v == scale.values[-1] else 0.0
                                           for v in scale.values]})
    figure, _ = plots.item_diverging_bars(distribution, wellbeing, "fi")
    bars = [c for c in figure.axes[0].collections if isinstance(c, PolyCollection)]
    top_answer = mcolors.to_rgb(bars[-1].get_facecolor()[0])
    assert top_answer[0] > top_answer[2]  # agreeing with a load statement is drawn red
    plt.close(figure)

    # the answers as given: a reverse-keyed statement turns the colours round once more
    for dimension, agreeing_better in ((lower, True), (higher, False)):
        item = next(i for i in wellbeing.dimension_items(dimension) if i.reverse)
        distribution = pd.DataFrame({"item": item.code, "value": scale.values,
                                     "share": [1.0 if v == scale.values[-1] else 0.0
                                               for v in scale.values]})
        figure, _ = plots.item_diverging_bars(distribution, wellbeing, "fi")
        bars = [c for c in figure.axes[0].collections if isinstance(c, PolyCollection)]
        red, _, blue = mcolors.to_rgb(bars[-1].get_facecolor()[0])
        assert (blue > red) is agreeing_better, (item.code, dimension)
        title = figure.legends[0].get_title().get_text().replace("\n", " ")
        low_side = wellbeing.score_scale.side("low", "fi")
        assert title == ("" if agreeing_better else
                         f"Sininen on parempi vastaus. Väittämissä, joissa ”{low_side}” on "
                         "parempi vastaus, värit ovat päinvastoin.")
        plt.close(figure)

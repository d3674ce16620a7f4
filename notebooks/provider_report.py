# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python (strapetsi)
#     language: python
#     name: strapetsi
# ---

# %% [markdown] tags=["remove"]
# # Provider report: baseline analysis and take-hold of practices
#
# One provider's report for its leadership, in the provider's language. Its latest wave with
# enough answers leads: where the provider stands in the network now and how it changed since its
# baseline (and since the previous wave, with three waves or more) come first, every section
# naming its wave. Run it for every provider
# with `strapetsi run DATASET` (or one with `--provider ID`); here in JupyterLab it runs with the
# defaults below on the demo dataset (`make demo` creates it). The statistics come from the
# prepared network-wide tables (`strapetsi_lib.prepare`); this notebook only selects one
# provider's rows, draws the figures and writes the words. This cell is not in the HTML report.

# %%
from strapetsi_lib.api import (
    colophon_html,
    comparisons,
    download,
    figure_numbers,
    load_prepared,
    resolve_dataset,
    show_figure,
    show_heading,
    show_html,
    show_text,
    show_title,
    summary,
    text,
    too_few,
)
from strapetsi_lib.api import devdisc_view as devdisc
from strapetsi_lib.api import provider_figures as plots
from strapetsi_lib.api import provider_view as view
from strapetsi_lib.api import takehold_view as takehold
from strapetsi_lib.api import trajectory_figures as path_plots
from strapetsi_lib.api import trajectory_view as paths

# %% tags=["parameters"]
dataset = "data/demo"
provider_id = "3266069-5"  # a provider of the built-in demo (seed 2024)
language = ""

# %%
prepared = load_prepared(resolve_dataset(dataset))
provider = prepared.provider(provider_id)
lang = language or provider["language"]
instrument = prepared.instrument
mgs = prepared.min_group_size
wave = view.latest_wave(prepared, provider_id)  # its latest wave with enough answers leads
baseline = view.baseline_wave(prepared, provider_id)  # its first: what change is measured from
earlier = baseline if baseline != wave else None  # shown beside the latest, where there is one
label = prepared.wave_label(wave, lang)
tables = download.TableCollector()  # shows each table and keeps it for the downloads

# %%
show_title(view.title(prepared, provider_id, lang))
show_html(colophon_html(prepared, lang))
show_heading(text("summary_heading", lang), 2)
show_html(summary.summary_html(summary.summary_facts(prepared, provider_id), prepared, lang))

# %%
show_heading(text("about_heading", lang), 2)
show_text(view.intro_text(prepared, provider_id, lang))

# %%
show_heading(text("respondents", lang), 2)
show_text(view.respondents_sentence(prepared, provider_id, wave, lang))
tables.show(view.role_table(prepared, provider_id, lang), text("respondents_caption", lang))

# %%
show_heading(view.areas_heading(prepared, lang), 2)
profile = view.dimension_profile(prepared, provider_id, wave)
show_text(view.profile_sentence(profile, prepared, lang, wave))
caption = text("profile_caption", lang, wave=label)
if profile["mean"].notna().any():
    figure, alt = plots.dimension_profile(profile, view.network_profile(prepared, wave),
                                          instrument, lang)
    show_figure(figure, alt, caption)
before = view.dimension_profile(prepared, provider_id, earlier) if earlier else None
tables.show(view.profile_table(profile, prepared, lang, before, earlier), caption)

# %%
show_heading(text("place_heading", lang), 2)
ranks = view.network_ranks(prepared, wave)
caption = text("place_caption", lang, wave=label)
if not (ranks["provider_id"] == provider_id).any():  # no percentile to explain
    show_text(text("place_not_ranked", lang, min_group=mgs))
else:
    show_text(text("place_text", lang, min_group=mgs))
    show_text(text("stats_percentile_explained", lang))
    figure, alt = plots.provider_place(ranks, provider_id, instrument, lang)
    show_figure(figure, alt, caption)
tables.show(view.place_table(prepared, provider_id, wave, lang, earlier), caption)

# %%
if takehold.has_takehold(prepared):
    # the provider's own first and latest waves with enough answers, and why if not the network's
    show_heading(takehold.section_heading(prepared, lang), 2)
    for sentence in takehold.waves_sentences(prepared, provider_id, lang):
        show_text(sentence)

# %%
if takehold.has_change(prepared, provider_id):
    period = takehold.change_period(prepared, provider_id, lang)
    show_heading(text("takehold_change_heading", lang, period=period), 3)
    show_text(takehold.change_intro(prepared, lang))
    changes = takehold.change_rows(prepared, provider_id)
    if changes["estimate"].notna().any():
        figure, alt = plots.change_forest(changes, instrument, lang)
        show_figure(figure, alt, text("change_caption", lang, period=period))
    for sentence in takehold.change_sentences(prepared, provider_id, lang):
        show_text(sentence)
    tables.show(takehold.change_table(prepared, provider_id, lang),
                text("takehold_change_caption", lang, period=period))

# %%
if takehold.has_previous_change(prepared, provider_id):  # three waves or more
    period = takehold.change_period(prepared, provider_id, lang, since_previous=True)
    previous, _ = takehold.change_waves(prepared, provider_id, since_previous=True)
    show_heading(text("takehold_change_previous_heading", lang, period=period), 3)
    show_text(text("takehold_change_previous_text", lang,
                   wave_before=prepared.wave_label(previous, lang), wave_after=label))
    tables.show(takehold.change_table(prepared, provider_id, lang, since_previous=True),
                text("takehold_change_caption", lang, period=period))

# %%
if paths.has_trajectories(prepared):  # three waves or more: each area wave by wave
    all_waves = paths.waves_text(prepared, lang)
    show_heading(text("trajectory_heading", lang), 3)
    show_text(text("trajectory_dimension_text", lang, waves=all_waves, min_group=mgs))
    trajectory = paths.dimension_trajectory(prepared, provider_id)
    caption = text("trajectory_dimension_caption", lang, waves=all_waves)
    figure, alt = path_plots.dimension_trajectory(
        trajectory, instrument, paths.wave_ticks(prepared, lang), lang,
        text("this_provider", lang), text("network_average", lang))
    show_figure(figure, alt, caption)
    tables.show(paths.dimension_trajectory_table(trajectory, prepared, lang), caption)

# %%
if takehold.has_practices(prepared):
    show_heading(text("takehold_practice_heading", lang), 3)
    show_text(takehold.practice_intro(prepared, lang))
    show_text(text("stats_levels_of_use_note", lang) + " "
              + text("stats_near_boundary_note", lang))
    if takehold.has_own_practices(prepared, provider_id):
        tables.show(takehold.practice_table(prepared, provider_id, lang, own=True),
                    text("practice_own_caption", lang, wave=label))
        if takehold.has_other_practices(prepared, provider_id):
            show_text(text("practice_other_note", lang))
    else:
        show_text(text("practice_own_none", lang))
    if takehold.has_other_practices(prepared, provider_id):
        tables.show(takehold.practice_table(prepared, provider_id, lang, own=False),
                    text("practice_other_caption", lang, wave=label))
    if paths.has_status_trajectories(prepared):  # a practice in use, dropped and back shows
        show_heading(text("trajectory_status_heading", lang), 4)
        show_text(text("trajectory_status_text", lang))
        statuses = paths.status_trajectory(prepared, provider_id)
        caption = text("trajectory_status_caption", lang, waves=paths.waves_text(prepared, lang))
        figure, alt = path_plots.status_trajectory(
            statuses, paths.practice_order(prepared, provider_id), instrument,
            paths.wave_ticks(prepared, lang), lang)
        show_figure(figure, alt, caption)
        tables.show(paths.status_trajectory_table(statuses, prepared, provider_id, lang),
                    caption)
    show_heading(text("practice_legend_heading", lang), 4)
    show_text(takehold.practice_legend(prepared, lang))
    gloss = takehold.levels_of_use_gloss(prepared, lang)
    if gloss:
        show_heading(text("practice_levels_heading", lang), 4)
        show_text(gloss)
    note = takehold.unknown_waves_note(prepared, provider_id, lang)
    if note:
        show_text(note)

# %%
if takehold.has_takehold(prepared):
    show_heading(text("takehold_evidence_heading", lang), 3)
    show_text(takehold.evidence_shows(prepared, lang))
    show_text(text("takehold_evidence_limits", lang))

# %%
show_heading(text("items_heading", lang), 2)
distribution = view.item_distribution(prepared, provider_id, wave)
if distribution.empty:
    show_text(too_few(lang, mgs))
else:
    show_text(view.items_text(prepared, lang))
    parts = plots.statement_chart_parts(distribution, instrument, lang)
    for k, part in enumerate(parts, start=1):  # a figure a page: a printed figure is never cut
        figure, alt = plots.item_diverging_bars(distribution, instrument, lang, part)
        show_figure(figure, alt, view.items_caption(label, k, len(parts), lang))
    tables.keep(figure_numbers.statement_table(distribution, instrument, lang),
                text("download_items_caption", lang, wave=label))

# %%
show_heading(text("strengths_heading", lang), 2)
show_text(comparisons.comparison_text(prepared, wave, lang))
compared_items = comparisons.compare_items(prepared, provider_id, wave)
if compared_items.any_clear:
    lists = ((text("strengths", lang), compared_items.strengths),
             (text("areas_to_develop", lang), compared_items.areas))
else:
    show_text(comparisons.comparison_outcome_text(compared_items, lang))
    highest, lowest = view.unclear_items_headings(prepared, lang)
    lists = ((highest, compared_items.highest), (lowest, compared_items.lowest))
    lists = lists if not compared_items.highest.empty else ()
for heading, items in lists:
    show_heading(heading, 3)
    if items.empty:
        show_text(text("none_found", lang))
    else:
        tables.show(view.items_table(items, prepared, lang),
                    text("items_list_caption", lang, heading=heading, wave=label))

# %%
show_heading(view.roles_heading(prepared, lang), 2)
show_text(text("roles_text", lang, min_group=mgs))
role_means = view.role_means(prepared, provider_id, wave)
if role_means["mean"].notna().any():
    # a cell says "hidden", not "fewer than 5": a role may be hidden to protect another
    figure, alt = plots.role_heatmap(role_means, instrument, lang, text("hidden_cell", lang))
    show_figure(figure, alt, text("roles_caption", lang, wave=label))
    tables.keep(figure_numbers.role_means_table(role_means, instrument, lang,
                                                text("hidden_cell", lang)),
                text("download_roles_caption", lang, wave=label))
if view.has_leader_gap(prepared):
    show_text(view.gap_sentence(view.leader_gap(prepared, provider_id, wave), prepared, lang))

# %%
if devdisc.has_discussions(prepared):
    show_heading(text("devdisc_heading", lang), 2)
    show_text(devdisc.discussion_intro(prepared, lang))
    show_text(devdisc.discussion_sentence(prepared, provider_id, wave, lang, baseline))
    tables.show(devdisc.discussion_table(prepared, provider_id, wave, lang),
                text("devdisc_caption", lang, wave=label))

# %%
show_heading(text("methods_heading", lang), 2)
show_text(view.methods_text(prepared, lang))
if takehold.has_change(prepared, provider_id):
    show_text(takehold.change_method(prepared, provider_id, lang))
    show_text(takehold.multiplicity_method(prepared, provider_id, lang))
    show_text(text("takehold_method_hedges_g", lang))
tables.show(view.reliability_table(prepared, wave, lang),
            text("reliability_caption", lang, wave=label))

# %%
show_heading(text("download_heading", lang), 2)
show_text(text("download_text", lang, min_group=mgs))
show_html(download.report_download(prepared, tables, lang, provider_id))

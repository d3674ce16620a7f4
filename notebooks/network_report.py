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
# # Network report: the whole network for the coordinator
#
# The coordinator's report, in the language asked for: a summary, response rates, how the
# providers differ per dimension, reliability, the network's change (mixed model), the theme
# effects (difference-in-differences), the practices' status (among the providers taking part,
# and by provider where no provider is singled out), what the evidence does and does not show,
# and the numbers as CSV and xlsx. `strapetsi run DATASET --network` writes it; here in
# JupyterLab it runs with the defaults below on the demo dataset (`make demo` creates it).
# Providers appear by neutral code unless `name_providers` is true. Every statistic comes from
# the prepared network-wide tables (`strapetsi_lib.prepare`); this notebook only shapes them,
# draws the figures and writes the words. This cell is not in the HTML report.

# %%
from strapetsi_lib.api import (
    colophon_html,
    download,
    load_prepared,
    resolve_dataset,
    show_figure,
    show_heading,
    show_html,
    show_text,
    show_title,
    text,
)
from strapetsi_lib.api import network_figures as plots
from strapetsi_lib.api import network_view as view
from strapetsi_lib.api import trajectory_figures as path_plots
from strapetsi_lib.api import trajectory_view as paths

# %% tags=["parameters"]
dataset = "data/demo"
language = "fi"
name_providers = False

# %%
prepared = load_prepared(resolve_dataset(dataset))
lang = language
instrument = prepared.instrument
mgs = prepared.min_group_size
waves = view.wave_labels(prepared, lang)
compared = {w: waves[w] for w in view.compared_waves(prepared)}
first, latest = waves[view.first_wave(prepared)], waves[view.latest_wave(prepared)]
dimensions = {d: instrument.dimension(d).name[lang] for d in instrument.dimension_codes}
tables = download.TableCollector()  # shows each table and keeps it for the downloads

# %%
show_title(view.title(prepared, lang))
show_html(colophon_html(prepared, lang))
show_heading(text("network_summary_heading", lang), 2)
show_html(view.summary_html(view.summary_points(prepared, lang)))

# %%
show_heading(text("network_about_heading", lang), 2)
show_text(view.intro_text(prepared, lang, name_providers))

# %%
show_heading(text("network_respondents_heading", lang), 2)
show_text(text("network_respondents_text" if len(compared) > 1
               else "network_respondents_text_one", lang, wave=latest, first=first,
               min_group=mgs))
tables.show(view.response_summary(prepared, lang), text("network_respondents_caption", lang))
if view.has_response_rates(prepared):
    labelled = view.rates_labelled(prepared, name_providers)
    if not labelled:
        show_text(text("network_rates_unlabelled", lang))
    rates = view.rates_by_provider(prepared, name_providers)
    if labelled:
        tables.keep(view.rates_table(rates, compared, lang),
                    text("network_rates_table_caption", lang, wave=latest))
    parts = plots.response_rates(rates, compared, lang, labelled)
    for part, (figure, alt) in enumerate(parts, start=1):
        show_figure(figure, alt, text("network_rates_caption", lang, wave=latest, part=part,
                                      parts=len(parts)))

# %%
show_heading(text("network_spread_heading", lang), 2)
show_text(view.spread_text(prepared, lang))
figure, alt = plots.provider_distribution(view.provider_means(prepared), dimensions, compared,
                                          lang, instrument.score_scale)
show_figure(figure, alt, text("network_spread_caption", lang,
                              waves=", ".join(compared.values())))
for wave, label in compared.items():
    tables.show(view.dimension_spread(prepared, lang, wave),
                text("network_spread_table_caption", lang, wave=label))

# %%
show_heading(text("network_reliability_heading", lang), 2)
show_text(text("network_reliability_text", lang))
tables.show(view.reliability_by_wave(prepared, lang), view.reliability_caption(prepared, lang))

# %%
takehold = view.has_takehold(prepared)
show_heading(text("takehold_network_heading", lang), 2)
if takehold:
    show_text(text("takehold_network_intro", lang))
    change = view.network_change(prepared, lang)
    show_text(view.change_summary(change, lang))
    show_text(text("stats_network_estimand", lang))
    caption = text("network_change_caption", lang, wave_before=first, wave_after=latest)
    figure, alt = plots.change_forest(change, lang, instrument)
    show_figure(figure, alt, caption)
    tables.show(view.change_table(change, lang), caption, formatters=view.formatters(lang))
else:
    show_text(view.no_takehold_text(prepared, lang))

# %%
if paths.has_trajectories(prepared):  # three waves or more: the network's mean wave by wave
    show_heading(text("trajectory_heading", lang), 3)
    ticks, all_waves = paths.wave_ticks(prepared, lang), paths.waves_text(prepared, lang)
    show_text(text("trajectory_network_dimension_text", lang, waves=all_waves))
    trajectory = paths.network_dimension_trajectory(prepared)
    caption = text("trajectory_network_dimension_caption", lang, waves=all_waves)
    figure, alt = path_plots.dimension_trajectory(trajectory, instrument, ticks, lang,
                                                  text("trajectory_network_mean", lang))
    show_figure(figure, alt, caption)
    tables.show(paths.dimension_trajectory_table(trajectory, prepared, lang), caption)

# %%
if view.has_themes(prepared):
    show_heading(text("takehold_theme_heading", lang), 2)
    show_text(text("takehold_theme_intro", lang))
    themes = view.theme_results(prepared, lang)
    show_text(view.theme_summary(themes, lang))
    show_text(text("stats_theme_respondent_mix", lang))
    for theme, (caption, table) in zip(dict.fromkeys(themes["theme"]),
                                       view.theme_tables(themes, lang), strict=True):
        block = themes[themes["theme"] == theme]
        figure, alt = plots.theme_forest(block, lang)
        show_figure(figure, alt, text("network_theme_caption", lang,
                                      theme=block["theme_name"].iloc[0]))
        tables.show(table, caption, formatters=view.formatters(lang))
    sensitivity = view.theme_sensitivity(prepared, lang)
    if sensitivity is not None:
        show_text(sensitivity[0])
        tables.show(sensitivity[1], text("stats_theme_sensitivity_caption", lang))

# %%
if view.has_practices(prepared):
    show_heading(text("network_status_heading", lang), 2)
    by_provider = view.rows_by_provider_shown(prepared, name_providers)
    show_text(text("network_status_text" if by_provider else "network_status_text_counts", lang,
                   wave=latest))
    show_text(view.status_rules(prepared, lang))
    show_text(text("stats_levels_of_use_note", lang))
    show_text(text("network_status_participants_text", lang))
    tables.show(view.status_counts_table(view.status_counts(prepared), prepared, lang),
                text("network_status_counts_caption", lang, wave=latest))
    if by_provider:
        tables.show(view.status_grid_table(view.status_grid(prepared, name_providers), prepared,
                                           lang),
                    text("network_status_grid_caption", lang, wave=latest))
    else:
        show_text(text("network_status_rows_withheld", lang,
                       n_rare=view.rare_status_rows(prepared), min_group=mgs))
    if paths.has_status_trajectories(prepared):  # how many took hold, wave by wave
        show_heading(text("trajectory_status_heading", lang), 3)
        show_text(text("trajectory_network_status_text", lang))
        counts_by_wave = paths.network_status_counts(prepared)
        figure, alt = path_plots.network_status_trajectory(
            counts_by_wave, instrument, paths.wave_ticks(prepared, lang), lang)
        show_figure(figure, alt, text("trajectory_network_status_caption", lang,
                                      waves=paths.waves_text(prepared, lang)))
        tables.show(paths.network_status_table(counts_by_wave, prepared, lang),
                    text("trajectory_network_status_table_caption", lang))

# %%
if takehold:  # what change does and does not show, once there is change to read
    show_heading(text("takehold_evidence_heading", lang), 2)
    show_text(view.evidence_shows(prepared, lang))
    show_text(text("takehold_evidence_limits", lang))
    if view.has_themes(prepared):
        show_text(text("takehold_network_evidence_limits", lang))

# %%
show_heading(text("methods_heading", lang), 2)
show_text(view.methods_text(prepared, lang))
show_text(text("stats_clustering_text", lang))
tables.show(view.clustering_table(prepared, view.first_wave(prepared), lang),
            text("stats_clustering_caption", lang, wave=first))

# %%
show_heading(text("download_heading", lang), 2)
show_text(text("download_text", lang, min_group=mgs))
show_html(download.report_download(prepared, tables, lang))

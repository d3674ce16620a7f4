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

# %% [markdown]
# # Exploring a dataset
#
# The starting point for your own questions. It loads a dataset and its prepared network-wide
# tables and shows one provider, dimension, role and wave with the same tables and figures the
# reports use (the functions of `strapetsi_lib.present`, with the privacy rules applied). Pick
# them with the drop-downs below, or call `explore(...)` with other values. Copy this notebook
# into `notebooks/exploration/` and work in the copy; when a piece of code proves useful in more
# than one notebook, move it into `strapetsi_lib` (see `docs/adding-a-report-section.md`).
#
# The last section uses row-level data: exploration notebooks are never shared with providers.

# %%
import pandas as pd

from strapetsi_lib.api import (
    dimension_scores,
    load_dataset,
    load_prepared,
    long_dimension_scores,
    number,
    resolve_dataset,
    show_figure,
    show_heading,
    show_table,
    show_text,
    text,
    too_few,
)
from strapetsi_lib.api import provider_figures as plots
from strapetsi_lib.api import provider_view as view

# %% tags=["parameters"]
dataset = "data/demo"
provider_id = "3266069-5"
dimension = "knowledge_based_management"
role = "teacher"
wave = ""  # empty: the baseline (first) wave
language = ""  # empty: the provider's own language

# %% [markdown]
# ## The dataset and its prepared tables
# `load_prepared` returns the cached network-wide tables the reports use (computed on first
# use); every view below only selects rows of them.

# %%
prepared = load_prepared(resolve_dataset(dataset))
instrument = prepared.instrument
print(f"{prepared.dataset_name}: "
      f"{len(prepared['providers'])} providers, waves {', '.join(prepared.wave_ids)}")
print("prepared tables:", ", ".join(sorted(prepared.tables)))


# %% [markdown]
# ## One provider, dimension, role and wave, as the report shows them

# %%
def explore(provider_id: str, dimension: str, role: str, wave: str = "",
            language: str = "") -> None:
    """Show a provider's profile, one dimension's items and place, and one role's means."""
    wave = wave or view.baseline_wave(prepared)
    lang = language or prepared.provider(provider_id)["language"]
    mgs = prepared.min_group_size
    dimension_name = instrument.dimension(dimension).name[lang]
    show_heading(f"{prepared.provider(provider_id)['name']}: "
                 f"{prepared.wave_label(wave, lang)}", 2)
    show_text(view.respondents_sentence(prepared, provider_id, wave, lang))

    profile = view.dimension_profile(prepared, provider_id, wave)
    if profile["mean"].notna().any():
        figure, alt = plots.dimension_profile(profile, view.network_profile(prepared, wave),
                                              instrument, lang)
        show_figure(figure, alt, text("profile_caption", lang))
    show_table(view.profile_table(profile, prepared, lang), text("profile_caption", lang))

    show_heading(dimension_name, 3)
    items = {item.code for item in instrument.dimension_items(dimension)}
    distribution = view.item_distribution(prepared, provider_id, wave)
    distribution = distribution[distribution["item"].isin(items)]
    if distribution.empty:
        show_text(too_few(lang, mgs))
    else:
        figure, alt = plots.item_diverging_bars(distribution, instrument, lang)
        show_figure(figure, alt, text("items_caption", lang))
    place = view.place_table(prepared, provider_id, wave, lang)
    show_table(place[place[text("dimension", lang)] == dimension_name],
               text("place_caption", lang))

    show_heading(instrument.role(role).label[lang], 3)
    means = view.role_means(prepared, provider_id, wave)
    means = means[means["role"] == role]
    show_table(pd.DataFrame({
        text("dimension", lang): [instrument.dimension(d).name[lang] for d in means["dimension"]],
        text("mean", lang): [too_few(lang, mgs) if pd.isna(m) else number(m, lang)
                             for m in means["mean"]],
    }), text("roles_caption", lang))


# %% [markdown]
# Plain calls work without widgets (and in `papermill` or `nbval` runs):

# %%
explore(provider_id, dimension, role, wave, language)

# %% [markdown]
# ## Pick with widgets
# In JupyterLab the drop-downs re-draw the view above for the chosen values.

# %%
try:
    import ipywidgets as widgets
except ImportError:  # the plain call above still works
    widgets = None
if widgets is not None:
    providers = prepared["providers"].sort_values("name")
    widgets.interact(
        explore,
        provider_id=widgets.Dropdown(options=list(zip(providers["name"] + " (" +
                                                      providers["provider_id"] + ")",
                                                      providers["provider_id"], strict=True)),
                                     value=provider_id, description="provider"),
        dimension=widgets.Dropdown(options=[(instrument.dimension(d).name["en"], d)
                                            for d in instrument.dimension_codes],
                                   value=dimension, description="dimension"),
        role=widgets.Dropdown(options=instrument.role_codes, value=role, description="role"),
        wave=widgets.Dropdown(options=[(prepared.wave_label(w, "en"), w)
                                       for w in prepared.wave_ids],
                              value=wave or prepared.wave_ids[0], description="wave"),
        language=widgets.Dropdown(options=[("provider's own", ""), ("fi", "fi"), ("sv", "sv"),
                                           ("en", "en")],
                                  value=language, description="language"),
    )

# %% [markdown]
# ## Your own questions: row-level data
# Respondent-level dimension scores, for exploration only; a result that should reach the
# reports goes into the library first (`docs/adding-a-report-section.md`).

# %%
data = load_dataset(resolve_dataset(dataset))
scores = long_dimension_scores(dimension_scores(data.responses, data.instrument))
scores[(scores["role"] == role) & (scores["dimension"] == dimension)].head()

# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (strapetsi)
#     language: python
#     name: strapetsi
# ---

# %% [markdown]
# # Exploring a dataset
#
# The starting point for your own questions. It loads a dataset and its prepared network-wide
# tables, then shows how to look at one provider, one dimension and one role. Copy it into
# `notebooks/exploration/` and change the parameters below; when a piece of code proves useful
# in more than one notebook, move it into `strapetsi_lib` so every report can use it.
#
# Row-level data stays here: what you show in a report must go through the privacy rules
# (`strapetsi_lib.analysis.disclosure`), and exploration notebooks are never shared with providers.

# %%
from strapetsi_lib import load_dataset
from strapetsi_lib.analysis.scores import dimension_scores, long_dimension_scores
from strapetsi_lib.config import resolve_dataset
from strapetsi_lib.prepare import load_prepared

# %% tags=["parameters"]
dataset = "data/demo"
provider_id = "3266069-5"
dimension = "knowledge_based_management"
role = "teacher"

# %% [markdown]
# ## The dataset and its prepared tables
# `load_dataset` validates and returns the tidy tables; `load_prepared` returns the cached
# network-wide tables the reports use (computed on first use).

# %%
data = load_dataset(resolve_dataset(dataset))
prepared = load_prepared(resolve_dataset(dataset))
print(f"{data.name}: {len(data.providers)} providers, waves {', '.join(data.wave_ids)}, "
      f"{len(data.responses)} responses")
print("prepared tables:", ", ".join(sorted(prepared.tables)))

# %% [markdown]
# ## One provider

# %%
print(data.provider(provider_id).to_dict())
prepared.rows("dimension_means", provider_id)

# %% [markdown]
# ## One dimension across the network
# The distribution of provider means, and where the selected provider sits.

# %%
ranks = prepared["dimension_ranks"]
one_dimension = ranks[ranks["dimension"] == dimension]
one_dimension.groupby("wave", observed=True)["mean"].describe()

# %%
one_dimension[one_dimension["provider_id"] == provider_id]

# %% [markdown]
# ## One role
# Respondent-level dimension scores (row-level: for exploration only).

# %%
scores = long_dimension_scores(dimension_scores(data.responses, data.instrument))
by_role = scores[(scores["role"] == role) & (scores["dimension"] == dimension)]
by_role.groupby("wave", observed=True)["score"].describe()

# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# Parameters (papermill replaces this cell). The folder of a finished run, relative to this notebook's folder.
processed_dir = "../data/processed/demo"

# %%
from IPython.display import Markdown, display

from alignment.views import open_run, region_pivot

run = open_run(processed_dir)  # reads only: rerunning this notebook never changes the run
display(Markdown(run.describe()))

# %% [markdown]
# # Alignment: supply against demand, and flags
#
# Shares, gap and ratio per region and cluster (`alignment.align`), the dissimilarity index, the
# family-supporting wage (`alignment.family_wage`) and the flags of the state preset (`alignment.flags`).
# Processed tables, before the privacy rules: do not publish what this notebook shows.

# %%
run.table("dissimilarity")

# %% [markdown]
# ## Gap by region and cluster (positive = fewer students than the job mix suggests)

# %%
display(region_pivot(run.table("alignment"), "gap", year=run.year).round(0))

# %% [markdown]
# ## The family-supporting wage of each region

# %%
run.table("family_wage")

# %% [markdown]
# ## Flags by region

# %%
flags = run.table("flags")
display(flags.pivot_table(index="region_id", columns="flag", values="reason", aggfunc="count", fill_value=0))
flags.head(20)

# %% [markdown]
# ## Peer regions (nearest industry mix)

# %%
run.table("peers")

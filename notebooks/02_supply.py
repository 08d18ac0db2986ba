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
# # Supply: programs of study by region and Career Cluster
#
# Enrollment (or IPEDS completions) rows placed in regions by their county and in clusters by their CIP code
# (`alignment.supply`). **These are the processed counts, before the privacy rules**: small counts are visible
# here. Do not copy them into anything you publish; the reports and workbooks are the published version.

# %%
programs, supply = run.table("programs"), run.table("supply")
programs.head()

# %% [markdown]
# ## Students by region and cluster in the analysis year

# %%
display(region_pivot(supply, run.supply_measure, year=run.year, index="cluster_code"))

# %% [markdown]
# ## Rows that could not be matched to a region or cluster

# %%
run.table("unmatched")

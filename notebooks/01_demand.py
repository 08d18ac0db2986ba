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
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from alignment import charts
from alignment.views import open_run, region_pivot

run = open_run(processed_dir)  # reads only: rerunning this notebook never changes the run
display(Markdown(run.describe()))

# %% [markdown]
# # Demand: industry employment by region and Career Cluster
#
# QCEW employment of each county and industry, summed to regions and clusters by `alignment.demand`, with
# location quotients from `alignment.lq` (the BLS formula, against the base area of the config). This notebook
# shows the tables of the run; it computes nothing and writes nothing. See `docs/methods.md` and
# `docs/architecture.md` for where each figure is made.

# %%
demand = run.table("demand")
demand.head()

# %% [markdown]
# ## Employment by region and cluster in the demand year

# %%
display(region_pivot(demand, "employment", year=run.demand_year).round(0))

# %% [markdown]
# ## Location quotients
#
# Above 1, the region is more concentrated in the cluster than the base area; below 1, less.

# %%
display(region_pivot(demand, "lq", year=run.demand_year).round(2))

# %% [markdown]
# ## One region's location quotients as a chart
#
# Change `region` to look at another one.

# %%
alignment = run.table("alignment")
region = sorted(alignment["region_id"].unique())[0]
fig = charts.plot_location_quotients(alignment[alignment["region_id"] == region])
plt.show()

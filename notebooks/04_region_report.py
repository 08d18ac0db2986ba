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
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# Parameters (papermill replaces this cell). Paths are relative to this folder when opened in JupyterLab.
config_path = "../data/raw/demo/config.yml"
processed_dir = "../data/processed/demo"
region_id = "metro"

# %% tags=["setup"]
# %matplotlib inline
from IPython.display import HTML, Markdown, display

from alignment import charts, maps
from alignment.report import narrative, shift_share_text

ctx = narrative.region_context(config_path, processed_dir, region_id)

# %%
display(Markdown(narrative.page_title(ctx)))
if ctx.cfg.synthetic:
    display(Markdown("> " + narrative.SYNTHETIC_NOTE))
if narrative.years_note(ctx):
    display(Markdown("> " + narrative.years_note(ctx)))

# %% [markdown]
# ## Summary

# %%
display(Markdown(narrative.summary_paragraph(ctx)))

# %% [markdown]
# ## What to do

# %%
for kind, text in narrative.what_to_do(ctx):
    display(HTML(text) if kind == "html" else Markdown(text))

# %%
since = narrative.changes_section(ctx)
display(Markdown(since.heading))
display(Markdown(since.text))
for table in since.tables:
    display(HTML(narrative.table_html(table)))

# %% [markdown]
# ## Where students are and where the jobs are

# %%
missing = narrative.supply_missing_word(ctx)
fig = charts.plot_supply_vs_demand(ctx.alignment, missing=missing)
display(fig, metadata={"image/png": {"alt": charts.alt_text_supply_vs_demand(ctx.alignment, missing=missing)}})

# %% [markdown]
# ## How concentrated each cluster's jobs are (location quotients)

# %%
fig = charts.plot_location_quotients(ctx.alignment)
display(fig, metadata={"image/png": {"alt": charts.alt_text_location_quotients(ctx.alignment)}})

# %%
job_change = shift_share_text.shift_share_section(ctx)
if job_change is not None:
    display(Markdown(job_change.heading))
    display(Markdown(job_change.text))
    for table in job_change.tables:
        display(HTML(narrative.table_html(table)))

# %% [markdown]
# ## Do the programs lead to family-supporting wages?

# %%
if ctx.program_wages is not None and len(ctx.program_wages):
    fig = charts.plot_program_wages(ctx.program_wages, ctx.family_wage_hourly, floor_share=ctx.wage_floor_share)
    alt = charts.alt_text_program_wages(ctx.program_wages, ctx.family_wage_hourly, ctx.wage_floor_share)
    display(fig, metadata={"image/png": {"alt": alt}})
else:
    display(Markdown(narrative.program_wages_note(ctx)))

# %% [markdown]
# ## Curriculum-gap map

# %%
fig = narrative.gap_map(ctx)
display(fig, metadata={"image/png": {"alt": narrative.gap_map_alt_text(ctx)}})

# %%
if narrative.openings_cluster(ctx) is not None:
    display(Markdown("### Completers per opening across the state"))
    fig = narrative.openings_map(ctx)
    display(fig, metadata={"image/png": {"alt": narrative.openings_map_alt_text(ctx)}})

# %% [markdown]
# ### The largest clusters across the state

# %%
fig = narrative.gap_small_multiples(ctx)
display(fig, metadata={"image/png": {"alt": narrative.gap_small_multiples_alt_text(ctx)}})

# %% [markdown]
# ## Supply and demand by cluster

# %%
display(Markdown(narrative.cluster_table_note(ctx)))
display(HTML(narrative.table_html(narrative.cluster_table(ctx))))

# %% [markdown]
# ## Peer regions

# %%
peer_section = narrative.peers_section(ctx)
display(Markdown(peer_section.text))
for table in peer_section.tables:
    display(HTML(narrative.table_html(table)))

# %% [markdown]
# ## Occupations: openings, wages and high-skill, high-wage, in-demand jobs

# %%
display(Markdown(narrative.occupation_note(ctx)))
occupations = narrative.occupation_table(ctx)
if len(occupations):
    display(HTML(narrative.table_html(occupations)))

# %% [markdown]
# ### Programs and the occupations they lead to

# %%
programs_occ = narrative.program_occupation_table(ctx)
if len(programs_occ):
    display(HTML(narrative.page_table_html(programs_occ, **narrative.PROGRAMS_REST)))
else:
    display(Markdown(narrative.program_occupations_note(ctx)))

# %% [markdown]
# ## Every flagged pathway

# %%
flagged = narrative.full_flag_table(ctx)
if len(flagged):
    display(HTML(narrative.page_table_html(flagged, **narrative.FLAGS_REST)))
else:
    display(Markdown(narrative.flags_note(ctx)))

# %% [markdown]
# ## Data notes

# %%
display(Markdown(narrative.data_notes(ctx)))

# %% [markdown]
# ### Programs left out of the analysis

# %%
excluded = narrative.excluded_table(ctx)
if len(excluded):
    display(HTML(narrative.page_table_html(excluded, **narrative.EXCLUDED_REST)))
else:
    display(Markdown(narrative.excluded_note(ctx)))

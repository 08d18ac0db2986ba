"""Every reader against every kind of file: its own files read without warnings, any other kind is refused.

Layouts are detected from the content, so a file given in the wrong place must end in a clear
:class:`InputError` naming the file — never a traceback, never a silently wrong table. The real-data half reads
every file of ``../shared/real-data`` with its reader and turns every warning into a failure (skipped when the
folder is absent).
"""

from __future__ import annotations

import warnings
from functools import partial
from pathlib import Path

import pytest

from alignment.errors import InputError
from alignment.reference import read_advance_cte_crosswalks
from alignment.sources.cbsa import read_cbsa_delineation
from alignment.sources.cip import read_cip_crosswalk_2010_2020, read_cip_list
from alignment.sources.cip_soc import read_cip_soc_crosswalk, read_soc_cip_crosswalk
from alignment.sources.cluster_mapping import read_cluster_mapping
from alignment.sources.enrollment import read_enrollment
from alignment.sources.ipeds import read_ipeds_completions, read_ipeds_hd
from alignment.sources.living_wage import read_living_wage
from alignment.sources.oews import read_oews
from alignment.sources.onet_clusters import read_onet_career_clusters
from alignment.sources.projections import read_projections
from alignment.sources.qcew import read_qcew
from alignment.sources.soc import read_soc_definitions, read_soc_structure

F = Path(__file__).parent / "fixtures"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"

# kind -> (reader, fixture files of that kind)
KINDS = {
    "qcew": (read_qcew, [F / "qcew" / "2021.annual 01001 Autauga County, Alabama.csv", F / "qcew" / "2022.annual.singlefile.csv"]),
    "oews": (read_oews, [F / "oews" / "state_M2023_dl.csv"]),
    "cip_list": (read_cip_list, [F / "cip" / "CIPCode2020_small.csv"]),
    "cip_2010": (read_cip_crosswalk_2010_2020, [F / "cip" / "Crosswalk2010to2020_small.csv"]),
    "cbsa": (read_cbsa_delineation, [F / "cbsa" / "list1_2023.xlsx", F / "cbsa" / "list1_no_title.csv"]),
    "cluster_mapping": (read_cluster_mapping, [F / "cluster_mapping" / "Crosswalk_ClusterMappingNAICStoTradedorLocal.csv"]),
    "ipeds_hd": (read_ipeds_hd, [F / "ipeds" / "hd2023.csv"]),
    "ipeds_completions": (read_ipeds_completions, [F / "ipeds" / "c2023_a.csv"]),
    "onet": (read_onet_career_clusters, [F / "onet_clusters" / "All_Career_Clusters.csv"]),
    "projections": (read_projections, [F / "projections" / "ep_occupation_2024_34.xlsx", F / "projections" / "ca_edd_statewide_2023_33.xlsx"]),
    "soc_structure": (read_soc_structure, [F / "soc" / "soc_structure_2018.xlsx"]),
    "enrollment": (partial(read_enrollment, state_fips="06"), [F / "enrollment_small.csv"]),
}  # fmt: skip

# (reader kind, file kind) pairs where the file legitimately holds what the reader asks for
COMPATIBLE = {
    ("soc_structure", "soc_definitions"),
    ("cip_2010", "cip_list"),  # never: listed so the pair is explicit if a layout ever converges
}


def own_cases():
    for kind, (reader, files) in KINDS.items():
        for f in files:
            yield pytest.param(reader, f, id=f"{kind}:{f.name}")


def cross_cases():
    for kind, (reader, _) in KINDS.items():
        for other, (_, files) in KINDS.items():
            if other == kind or (kind, other) in COMPATIBLE:
                continue
            yield pytest.param(reader, files[0], id=f"{kind}<-{other}")


@pytest.mark.parametrize(("reader", "path"), list(own_cases()))
def test_each_reader_reads_its_own_layout_without_warnings(reader, path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = reader(path)
    assert len(df) > 0


@pytest.mark.parametrize(("reader", "path"), list(cross_cases()))
def test_a_file_of_another_kind_is_refused_with_a_message_naming_it(reader, path):
    with pytest.raises(InputError) as info:
        reader(path)
    assert path.name in str(info.value)


# ------------------------------------------------------------------------------------------- real data

REAL_FILES = [
    ("bls-qcew/annual_by_area_lancaster_pa", read_qcew),
    ("bls-qcew/annual_singlefile_ut_county_totals/2017.annual.singlefile.csv", read_qcew),
    ("bls-qcew/qtrly_by_area_vt_2016", read_qcew),
    ("bls-qcew/qtrly_by_area_us_2016_reconstructed", read_qcew),
    ("bls-oews/national_M2025_dl.xlsx", read_oews),
    ("bls-employment-projections/occupation.xlsx", read_projections),
    ("state-projections-ca-edd/edd_long_term_occ_projections_2023-2033.xlsx", read_projections),
    ("nces-cip-2020/CIPCode2020.csv", read_cip_list),
    ("nces-cip-2020/Crosswalk2010to2020.csv", read_cip_crosswalk_2010_2020),
    ("nces-cip-soc-crosswalk/CIP2020_SOC2018_Crosswalk.xlsx", read_cip_soc_crosswalk),
    ("nces-cip-soc-crosswalk/CIP2020_SOC2018_Crosswalk.xlsx", read_soc_cip_crosswalk),
    ("bls-soc-2018/soc_structure_2018.xlsx", read_soc_structure),
    ("bls-soc-2018/soc_2018_definitions.xlsx", read_soc_definitions),
    ("onet-career-clusters-legacy/All_Career_Clusters.csv", read_onet_career_clusters),
    ("cluster-mapping/Crosswalk_ClusterMappingNAICStoTradedorLocal.csv", read_cluster_mapping),
    ("cluster-mapping/NAICS_crosswalks_to_Cluster_system.xlsx", read_cluster_mapping),
    ("omb-cbsa-delineation/list1_2020.xls", read_cbsa_delineation),
    ("omb-cbsa-delineation/list1_2023.xlsx", read_cbsa_delineation),
    ("ipeds-hd/hd2023.csv", read_ipeds_hd),
    ("ipeds-completions-first-majors/c2024_a.parquet", read_ipeds_completions),
    ("mit-living-wage/mit-living-wage-2022.csv", read_living_wage),
    ("advance-cte-career-clusters-2024", read_advance_cte_crosswalks),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("rel", "reader"), REAL_FILES, ids=[r for r, _ in REAL_FILES])
def test_every_shared_real_file_reads_without_warnings(rel, reader):
    path = REAL / rel
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = reader(path)
    if isinstance(out, dict):
        assert set(out) == {"cip_cluster", "soc_cluster", "naics_cluster"}
        assert all(len(v) for v in out.values())
    else:
        assert len(out) > 0

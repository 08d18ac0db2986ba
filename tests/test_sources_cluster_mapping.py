"""Tests for alignment.sources.cluster_mapping: NAICS → traded/local cluster files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.sources.cluster_mapping import OUTPUT_COLUMNS, combine_cluster_mappings, read_cluster_mapping

FIXTURES = Path(__file__).parent / "fixtures" / "cluster_mapping"
WORKBOOK = FIXTURES / "NAICS_crosswalks_to_Cluster_system.xlsx"
TRADED = FIXTURES / "Crosswalk_ClusterMappingNAICStoTradedorLocal.csv"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data" / "cluster-mapping"


def test_cluster_workbook():
    df = read_cluster_mapping(WORKBOOK)
    assert list(df.columns) == OUTPUT_COLUMNS
    assert df.naics.tolist() == ["336411", "722511", "902612", "814110"]  # numbers in the sheet, text here
    assert df.traded.tolist() == [True, False, True, False]
    assert (
        df.cluster_code.iat[0] == "aerospace-vehicles-and-defense" and df.subcluster_code.iat[0] == "aircraft"
    )
    assert df.nonstandard.tolist() == [False, False, True, False]
    households = df.iloc[3]  # the workbook writes NA for its cluster
    assert pd.isna(households.cluster_code) and pd.isna(households.cluster_name)
    assert set(df.layout) == {"porter_clusters"} and set(df.naics_vintage) == {"2012"}
    assert df.source_row.tolist() == [2, 3, 4, 5]


def test_traded_local_list_and_combination():
    tl = read_cluster_mapping(TRADED, naics_vintage="2007")
    assert tl.traded.tolist() == [True, True, False, False] and tl.cluster_code.isna().all()
    assert set(tl.layout) == {"traded_local"} and set(tl.naics_vintage) == {"2007"}
    both = combine_cluster_mappings(read_cluster_mapping(WORKBOOK), tl)
    assert both.naics.tolist() == ["238220", "336411", "336412", "722511", "814110", "902612"]
    assert both.set_index("naics").loc["336411", "layout"] == "porter_clusters"
    assert both.set_index("naics").loc["336412", "layout"] == "traded_local"


def test_disagreeing_traded_flags():
    a = pd.DataFrame({"naics": ["722511"], "traded": [True], "cluster_name": ["X"]})
    b = pd.DataFrame({"naics": ["722511"], "traded": [False]})
    with pytest.raises(ValueError, match="722511"):
        combine_cluster_mappings(a, b)


def test_bad_cells_are_problems(tmp_path):
    path = tmp_path / "traded.csv"
    path.write_text("Type,NAICS\nTraded,336411\nExported,336412\nLocal,33641A\nLocal,336411\n")
    with pytest.raises(InputError) as e:
        read_cluster_mapping(path)
    text = str(e.value)
    assert "row 3, column 'Type': expected Traded or Local, got 'Exported' (traded_local layout)" in text
    assert "row 4, column 'NAICS': expected a NAICS code of 2 to 6 digits, got '33641A'" in text
    assert "row 5, column 'NAICS': NAICS 336411 is listed twice (first on row 2)" in text


def test_unknown_layout(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("industry,cluster\n336411,Aerospace\n")
    with pytest.raises(InputError, match="not a Cluster Mapping NAICS file"):
        read_cluster_mapping(path)


@pytest.mark.realdata
def test_real_files():
    if not REAL.exists():
        pytest.skip(f"{REAL} not present")
    clusters = read_cluster_mapping(REAL / "NAICS_crosswalks_to_Cluster_system.xlsx")
    assert len(clusters) == 992 and clusters.traded.sum() == 680 and clusters.nonstandard.sum() == 37
    assert clusters.naics.str.fullmatch(r"\d{6}").all()
    # 51 traded clusters; 16 local clusters + federal, state and local government services
    assert clusters.groupby("traded").cluster_code.nunique().to_dict() == {False: 19, True: 51}
    assert clusters.cluster_code.isna().sum() == 1  # 814110 Private Households
    traded = read_cluster_mapping(REAL / "Crosswalk_ClusterMappingNAICStoTradedorLocal.csv")
    assert len(traded) == 1088 and traded.traded.sum() == 778
    both = combine_cluster_mappings(clusters, traded)
    assert len(both) == 992 + 214 and both.naics.is_unique

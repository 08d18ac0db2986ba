"""Tests for alignment.sources.onet_clusters: O*NET's legacy Career Cluster export."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment.errors import InputError
from alignment.sources.onet_clusters import OUTPUT_COLUMNS, onet_soc_cluster, read_onet_career_clusters

FIXTURE = Path(__file__).parent / "fixtures" / "onet_clusters" / "All_Career_Clusters.csv"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data" / "onet-career-clusters-legacy"
HEADER = "Career Cluster,Career Pathway,Code,Occupation\n"


def test_multi_cluster_cells_are_split_by_position():
    df = read_onet_career_clusters(FIXTURE)
    assert list(df.columns) == OUTPUT_COLUMNS
    assert len(df) == 7  # 6 lines, one with two clusters
    hydro = df[df.onet_soc == "19-4044.00"]
    assert hydro.cluster_code.tolist() == [
        "legacy-agriculture-food-natural-resources",
        "legacy-science-technology-engineering-mathematics",
    ]
    assert hydro.pathway_name.tolist() == ["Natural Resources Systems", "Science and Mathematics"]
    assert hydro.source_row.tolist() == [3, 3] and set(hydro.soc) == {"19-4044"}


def test_audio_video_spelling_matches_the_project_cluster():
    df = read_onet_career_clusters(FIXTURE)
    arts = df[df.soc == "27-3023"].iloc[0]
    assert arts.cluster_name == "Arts, Audio/Video Technology & Communications"
    assert arts.cluster_code == "legacy-arts-a-v-technology-communications"
    assert arts.pathway_code == "legacy-journalism-and-broadcasting"


def test_collapse_to_soc_shares():
    soc = onet_soc_cluster(read_onet_career_clusters(FIXTURE))
    assert soc.groupby("soc").share.sum().tolist() == [1.0, 1.0, 1.0, 1.0]
    nurses = soc[soc.soc == "29-1141"]  # three O*NET codes, one SOC row
    assert len(nurses) == 1 and nurses.share.iat[0] == 1.0
    assert soc[soc.soc == "19-4044"].share.tolist() == [0.5, 0.5]


def test_unknown_cluster_and_misaligned_lists_are_problems(tmp_path):
    path = tmp_path / "clusters.csv"
    path.write_text(
        HEADER
        + "Space Exploration,Rocketry,17-2011.00,Aerospace Engineers\n"
        + '"Health Science; Human Services",Therapeutic Services,21-1022.00,Healthcare Social Workers\n'
        + "Health Science,Therapeutic Services,29-114,Registered Nurses\n"
    )
    with pytest.raises(InputError) as e:
        read_onet_career_clusters(path)
    text = str(e.value)
    assert (
        "row 2, column 'Career Cluster': cluster 'Space Exploration' matches no legacy Career Cluster" in text
    )
    assert "row 3, column 'Career Pathway': 2 cluster(s) but 1 pathway(s)" in text
    assert "row 4, column 'Code': expected an O*NET-SOC code NN-NNNN.NN, got '29-114'" in text
    relaxed = tmp_path / "one.csv"
    relaxed.write_text(HEADER + "Space Exploration,Rocketry,17-2011.00,Aerospace Engineers\n")
    df = read_onet_career_clusters(relaxed, strict=False)
    assert df.cluster_code.isna().all() and df.onet_soc.tolist() == ["17-2011.00"]


def test_wrong_layout(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("soc,cluster\n29-1141,Health Science\n")
    with pytest.raises(InputError, match="O\\*NET Career Cluster export layout"):
        read_onet_career_clusters(path)


@pytest.mark.realdata
def test_real_export():
    path = REAL / "All_Career_Clusters.csv"
    if not path.exists():
        pytest.skip(f"{path} not present")
    df = read_onet_career_clusters(path)
    assert df.onet_soc.nunique() == 1011 and len(df) == 1033 and df.soc.nunique() == 867
    assert df.cluster_code.nunique() == 16 and df.cluster_code.notna().all() and df.pathway_code.notna().all()
    counts = df.cluster_name.value_counts()
    assert counts["Manufacturing"] == 150 and counts["Health Science"] == 119 and counts["Finance"] == 28
    soc = onet_soc_cluster(df)
    assert len(soc) == 904
    assert soc.groupby("soc").share.sum().round(12).eq(1).all()
    assert soc.groupby("soc").cluster_code.nunique().value_counts().to_dict() == {1: 843, 2: 23, 3: 1}

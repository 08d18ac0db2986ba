"""The synthetic "Demo State": project-made input files in the real publisher layouts.

``generate_demo`` writes a small, deterministic data set that exercises every stage of the pipeline:
a state CTE enrollment extract, BLS QCEW annual "CSVs by area" (counties, statewide and a U.S. base),
a BLS OEWS all-data workbook, a living-wage table, the region definitions and the run configuration.

The geography is real (the 36 counties of Oregon, state FIPS ``41``, so maps can use real Census county
boundaries), but **every number is invented**, the six regions are invented groupings, and so are every
school district and college. Nothing here is copied from a publisher's file; only the layouts (headers,
codes, markers) follow the real ones.

The same ``seed`` gives byte-identical files. Each part draws from its own random stream
(``numpy.random.SeedSequence([seed, part])``), so changing one part does not shift the others.

>>> sum(len(r.counties) for r in REGIONS), len(REGIONS)
(36, 6)
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import replace_dir
from .constants import HOURS_PER_YEAR, NATION_OEWS_AREA
from .folders import MARKER, FolderError, foreign_entries, is_owned, mark
from .lq import location_quotient, lq_array
from .paths import REFERENCE_DIR

__all__ = ["COUNTIES", "REGIONS", "QCEW_ANNUAL_HEADER", "Region", "generate_demo"]

STATE_FIPS = "41"
STATE_NAME = "Oregon"
STATE_ABBR = "OR"
TITLE = "Demo State"


def _pairs(text: str, kind: type = float) -> dict:
    """``"513=2.2 518=2.8"`` -> ``{"513": 2.2, "518": 2.8}`` (keeps the data tables below compact)."""
    return {key: kind(value) for key, value in (item.split("=") for item in text.split())}


# ----------------------------------------------------------------------------------------------------------
# Geography: real county codes and names; the "size" is an invented base-year employment level.
# ----------------------------------------------------------------------------------------------------------

#: county FIPS -> (county name, invented total covered employment in the year before the first demo year)
COUNTIES: dict[str, tuple[str, int]] = {
    "41001": ("Baker", 6_200),
    "41003": ("Benton", 40_000),
    "41005": ("Clackamas", 160_000),
    "41007": ("Clatsop", 18_000),
    "41009": ("Columbia", 10_000),
    "41011": ("Coos", 22_000),
    "41013": ("Crook", 8_500),
    "41015": ("Curry", 6_500),
    "41017": ("Deschutes", 90_000),
    "41019": ("Douglas", 38_000),
    "41021": ("Gilliam", 900),
    "41023": ("Grant", 2_300),
    "41025": ("Harney", 2_600),
    "41027": ("Hood River", 14_000),
    "41029": ("Jackson", 88_000),
    "41031": ("Jefferson", 6_500),
    "41033": ("Josephine", 27_000),
    "41035": ("Klamath", 26_000),
    "41037": ("Lake", 2_600),
    "41039": ("Lane", 155_000),
    "41041": ("Lincoln", 18_000),
    "41043": ("Linn", 47_000),
    "41045": ("Malheur", 11_500),
    "41047": ("Marion", 150_000),
    "41049": ("Morrow", 5_500),
    "41051": ("Multnomah", 480_000),
    "41053": ("Polk", 18_000),
    "41055": ("Sherman", 800),
    "41057": ("Tillamook", 10_000),
    "41059": ("Umatilla", 32_000),
    "41061": ("Union", 10_500),
    "41063": ("Wallowa", 2_400),
    "41065": ("Wasco", 11_000),
    "41067": ("Washington", 300_000),
    "41069": ("Wheeler", 420),
    "41071": ("Yamhill", 35_000),
}
_FIPS_BY_NAME = {name: fips for fips, (name, _) in COUNTIES.items()}


@dataclass(frozen=True)
class Region:
    """An invented region: a contiguous group of counties with its own synthetic OEWS area."""

    region_id: str
    name: str
    oews_area: str
    oews_area_type: str  # "4" metro, "6" nonmetro
    college_county: str  # county name of the region's community college
    counties: tuple[str, ...]  # county names
    pay_factor: float  # regional pay level relative to the U.S.


REGIONS: tuple[Region, ...] = (
    Region(
        "metro",
        "Metro Demo Region",
        "4100001",
        "4",
        "Multnomah",
        ("Multnomah", "Washington", "Clackamas", "Columbia"),
        1.12,
    ),
    Region(
        "valley",
        "Valley Demo Region",
        "4100002",
        "4",
        "Lane",
        ("Marion", "Polk", "Yamhill", "Linn", "Benton", "Lane"),
        0.94,
    ),
    Region(
        "coast",
        "Coast Demo Region",
        "4100003",
        "6",
        "Lincoln",
        ("Clatsop", "Tillamook", "Lincoln", "Coos", "Curry"),
        0.86,
    ),
    Region(
        "south",
        "South Demo Region",
        "4100004",
        "4",
        "Jackson",
        ("Douglas", "Josephine", "Jackson", "Klamath", "Lake"),
        0.87,
    ),
    Region(
        "central",
        "Central Demo Region",
        "4100005",
        "4",
        "Deschutes",
        ("Deschutes", "Crook", "Jefferson", "Hood River", "Wasco", "Sherman", "Gilliam", "Wheeler"),
        0.93,
    ),
    Region(
        "east",
        "East Demo Region",
        "4100006",
        "6",
        "Umatilla",
        ("Umatilla", "Morrow", "Union", "Wallowa", "Baker", "Grant", "Harney", "Malheur"),
        0.87,
    ),
)
_REGION_OF = {_FIPS_BY_NAME[c]: r for r in REGIONS for c in r.counties}

# ----------------------------------------------------------------------------------------------------------
# QCEW: the synthetic economy. Every sector is complete in its listed 3-digit subsectors, so subsectors sum to
# sectors. Employment (thousands), pay and establishment size are invented U.S. levels.
# ----------------------------------------------------------------------------------------------------------

#: The header of the BLS annual "CSVs by area" files (43 columns, every field quoted, CRLF line ends).
# fmt: off
QCEW_ANNUAL_HEADER: tuple[str, ...] = (
    "area_fips", "own_code", "industry_code", "agglvl_code", "size_code", "year", "qtr", "disclosure_code",
    "area_title", "own_title", "industry_title", "agglvl_title", "size_title", "annual_avg_estabs_count",
    "annual_avg_emplvl", "total_annual_wages", "taxable_annual_wages", "annual_contributions",
    "annual_avg_wkly_wage", "avg_annual_pay", "lq_disclosure_code", "lq_annual_avg_estabs_count",
    "lq_annual_avg_emplvl", "lq_total_annual_wages", "lq_taxable_annual_wages", "lq_annual_contributions",
    "lq_annual_avg_wkly_wage", "lq_avg_annual_pay", "oty_disclosure_code", "oty_annual_avg_estabs_count_chg",
    "oty_annual_avg_estabs_count_pct_chg", "oty_annual_avg_emplvl_chg", "oty_annual_avg_emplvl_pct_chg",
    "oty_total_annual_wages_chg", "oty_total_annual_wages_pct_chg", "oty_taxable_annual_wages_chg",
    "oty_taxable_annual_wages_pct_chg", "oty_annual_contributions_chg", "oty_annual_contributions_pct_chg",
    "oty_annual_avg_wkly_wage_chg", "oty_annual_avg_wkly_wage_pct_chg", "oty_avg_annual_pay_chg",
    "oty_avg_annual_pay_pct_chg",
)
# fmt: on

_SECTORS = {
    "11": "Agriculture, forestry, fishing and hunting",
    "21": "Mining, quarrying, and oil and gas extraction",
    "22": "Utilities",
    "23": "Construction",
    "31-33": "Manufacturing",
    "42": "Wholesale trade",
    "44-45": "Retail trade",
    "48-49": "Transportation and warehousing",
    "51": "Information",
    "52": "Finance and insurance",
    "53": "Real estate and rental and leasing",
    "54": "Professional and technical services",
    "55": "Management of companies and enterprises",
    "56": "Administrative and waste services",
    "61": "Educational services",
    "62": "Health care and social assistance",
    "71": "Arts, entertainment, and recreation",
    "72": "Accommodation and food services",
    "81": "Other services, except public administration",
    "92": "Public administration",
}

# code, sector, title, U.S. private employment (thousands), U.S. average annual pay, employees per estab.
_SUBSECTORS: tuple[tuple[str, str, str, int, int, int], ...] = (
    ("111", "11", "Crop production", 550, 42_000, 12),
    ("112", "11", "Animal production and aquaculture", 300, 45_000, 10),
    ("113", "11", "Forestry and logging", 50, 56_000, 6),
    ("114", "11", "Fishing, hunting and trapping", 8, 62_000, 3),
    ("115", "11", "Agriculture and forestry support activities", 350, 41_000, 15),
    ("212", "21", "Mining, except oil and gas", 190, 86_000, 25),
    ("221", "22", "Utilities", 540, 125_000, 30),
    ("236", "23", "Construction of buildings", 1_700, 80_000, 8),
    ("237", "23", "Heavy and civil engineering construction", 1_100, 86_000, 25),
    ("238", "23", "Specialty trade contractors", 5_100, 68_000, 9),
    ("311", "31-33", "Food manufacturing", 1_750, 56_000, 60),
    ("312", "31-33", "Beverage and tobacco product manufacturing", 300, 66_000, 30),
    ("321", "31-33", "Wood product manufacturing", 400, 56_000, 25),
    ("322", "31-33", "Paper manufacturing", 330, 76_000, 60),
    ("332", "31-33", "Fabricated metal product manufacturing", 1_450, 66_000, 25),
    ("333", "31-33", "Machinery manufacturing", 1_150, 76_000, 45),
    ("334", "31-33", "Computer and electronic product manufacturing", 1_050, 150_000, 60),
    ("336", "31-33", "Transportation equipment manufacturing", 1_800, 86_000, 120),
    ("423", "42", "Merchant wholesalers, durable goods", 3_100, 90_000, 10),
    ("424", "42", "Merchant wholesalers, nondurable goods", 2_100, 80_000, 12),
    ("441", "44-45", "Motor vehicle and parts dealers", 2_100, 60_000, 15),
    ("444", "44-45", "Building material and garden supply dealers", 1_300, 43_000, 15),
    ("445", "44-45", "Food and beverage retailers", 3_300, 32_000, 20),
    ("455", "44-45", "General merchandise retailers", 3_200, 33_000, 45),
    ("456", "44-45", "Health and personal care retailers", 1_100, 41_000, 12),
    ("484", "48-49", "Truck transportation", 1_550, 61_000, 10),
    ("488", "48-49", "Support activities for transportation", 800, 66_000, 15),
    ("493", "48-49", "Warehousing and storage", 1_900, 51_000, 60),
    ("513", "51", "Publishing industries", 1_200, 160_000, 30),
    ("517", "51", "Telecommunications", 700, 110_000, 15),
    ("518", "51", "Computing infrastructure and data processing", 500, 150_000, 20),
    ("522", "52", "Credit intermediation and related activities", 2_700, 96_000, 12),
    ("523", "52", "Securities, commodity contracts, investments", 1_050, 220_000, 8),
    ("524", "52", "Insurance carriers and related activities", 2_900, 100_000, 15),
    ("531", "53", "Real estate", 1_800, 70_000, 6),
    ("532", "53", "Rental and leasing services", 550, 61_000, 10),
    ("541", "54", "Professional and technical services", 11_000, 115_000, 9),
    ("551", "55", "Management of companies and enterprises", 2_600, 140_000, 40),
    ("561", "56", "Administrative and support services", 9_300, 51_000, 25),
    ("562", "56", "Waste management and remediation services", 470, 71_000, 20),
    ("611", "61", "Educational services", 3_900, 62_000, 25),
    ("621", "62", "Ambulatory health care services", 8_900, 76_000, 12),
    ("622", "62", "Hospitals", 5_500, 81_000, 800),
    ("623", "62", "Nursing and residential care facilities", 3_500, 43_000, 40),
    ("624", "62", "Social assistance", 4_900, 35_000, 15),
    ("711", "71", "Performing arts and spectator sports", 550, 100_000, 8),
    ("713", "71", "Amusements, gambling, and recreation", 1_900, 33_000, 20),
    ("721", "72", "Accommodation", 2_050, 43_000, 30),
    ("722", "72", "Food services and drinking places", 12_000, 27_000, 20),
    ("811", "81", "Repair and maintenance", 1_400, 56_000, 7),
    ("812", "81", "Personal and laundry services", 1_500, 36_000, 7),
    ("813", "81", "Membership associations and organizations", 1_500, 51_000, 6),
)
# own_code, code, U.S. employment (thousands), pay, employees per establishment (government ownerships)
_GOVERNMENT: tuple[tuple[str, str, int, int, int], ...] = (
    ("1", "491", 600, 63_000, 20),
    ("1", "622", 300, 101_000, 700),
    ("1", "921", 450, 96_000, 30),
    ("1", "922", 250, 92_000, 60),
    ("1", "923", 250, 90_000, 40),
    ("2", "611", 2_100, 66_000, 80),
    ("2", "622", 450, 76_000, 900),
    ("2", "921", 500, 71_000, 40),
    ("2", "922", 650, 66_000, 50),
    ("2", "923", 400, 61_000, 30),
    ("3", "221", 250, 86_000, 20),
    ("3", "611", 8_000, 61_000, 100),
    ("3", "622", 700, 71_000, 700),
    ("3", "921", 2_600, 59_000, 40),
    ("3", "922", 2_200, 76_000, 40),
)
_GOV_TITLES = {
    "491": ("48-49", "Postal service"),
    "921": ("92", "Executive, legislative and general government"),
    "922": ("92", "Justice, public order, and safety activities"),
    "923": ("92", "Administration of human resource programs"),
}
_OWN_TITLES = {
    "0": "Total Covered",
    "1": "Federal Government",
    "2": "State Government",
    "3": "Local Government",
    "5": "Private",
}
# level -> (area kind, agglvl title); the county codes are 70/71/74/75, state 50/51/54/55, nation 10/11/14/15
_AGGLVL_TITLES = {
    "total": "Total Covered",
    "own": "Total -- by ownership sector",
    "sector": "NAICS Sector -- by ownership sector",
    "sub": "NAICS 3-digit -- by ownership sector",
}
_AGGLVL = {
    "county": ("County", {"total": "70", "own": "71", "sector": "74", "sub": "75"}),
    "state": ("State", {"total": "50", "own": "51", "sector": "54", "sub": "55"}),
    "nation": ("National", {"total": "10", "own": "11", "sector": "14", "sub": "15"}),
}

# Industry mix of each region: multiplier on the U.S. share of a 3-digit subsector (1 when absent).
_REGION_MIX: dict[str, dict[str, float]] = {
    "metro": _pairs(
        "513=2.2 518=2.8 334=3 541=1.5 522=1.3 523=1.7 524=1.3 551=1.5 621=1.2 622=1.3 111=0.2 "
        "112=0.15 113=0.1 114=0.05 115=0.2 321=0.3 212=0.3"
    ),
    "valley": _pairs(
        "311=1.8 321=1.7 332=2.2 333=1.9 336=1.4 111=3.5 112=2 115=3 611=1.4 921=1.6 923=1.6 "
        "513=0.5 518=0.4 523=0.5"
    ),
    "coast": _pairs(
        "114=40 721=3.2 722=1.8 713=1.6 621=1.2 622=1.3 623=1.3 311=1.4 334=0.1 513=0.3 "
        "518=0.2 523=0.3 551=0.3 336=0.3"
    ),
    "south": _pairs(
        "321=4.5 113=4 622=1.4 621=1.3 623=1.3 441=1.3 444=1.3 445=1.2 455=1.3 456=1.3 "
        "812=0.35 513=0.4 518=0.3 334=0.3"
    ),
    "central": _pairs(
        "721=3.6 722=1.5 713=2.2 236=2.2 237=1.6 238=1.9 531=1.5 113=1.5 321=1.5 334=0.3 518=0.4"
    ),
    "east": _pairs(
        "111=5.5 112=5 115=4.5 311=3.2 484=3.2 493=2.2 488=1.6 513=0.2 518=0.1 523=0.2 541=0.5 "
        "551=0.3 334=0.1"
    ),
}
# Faster growth where the story says so (added to a 1.2% base).
_REGION_GROWTH: dict[str, dict[str, float]] = {
    "metro": _pairs("513=0.025 518=0.03 541=0.015 621=0.01"),
    "valley": _pairs("332=0.01 333=0.01"),
    "coast": _pairs("721=0.02 722=0.01 114=-0.02"),
    "south": _pairs("321=-0.01 622=0.01"),
    "central": _pairs("236=0.025 238=0.02 721=0.025"),
    "east": _pairs("484=0.015 311=0.01"),
}
_SMALL_COUNTY = 25_000  # counties below this total employment get 3-digit disclosure suppression

# ----------------------------------------------------------------------------------------------------------
# Enrollment: CTE programs (real CIP 2020 codes and titles), and how each region's supply differs.
# ----------------------------------------------------------------------------------------------------------

# cip, CIP 2020 title (the Program Name), levels offered (S secondary, P postsecondary), popularity
_PROGRAMS: tuple[tuple[str, str, str, float], ...] = (
    ("01.0000", "Agriculture, General", "S", 3.0),
    ("01.0101", "Agricultural Business and Management, General", "SP", 1.2),
    ("01.0201", "Agricultural Mechanization, General", "S", 1.2),
    ("01.0601", "Applied Horticulture/Horticulture Operations, General", "SP", 1.0),
    ("01.0901", "Animal Sciences, General", "S", 1.0),
    ("03.0101", "Natural Resources/Conservation, General", "S", 1.0),
    ("03.0501", "Forestry, General", "SP", 0.8),
    ("10.0202", "Radio and Television Broadcasting Technology/Technician", "S", 0.5),
    ("10.0304", "Animation, Interactive Technology, Video Graphics, and Special Effects", "SP", 1.2),
    ("11.0201", "Computer Programming/Programmer, General", "SP", 2.0),
    ("11.0901", "Computer Systems Networking and Telecommunications", "SP", 1.0),
    ("11.1003", "Computer and Information Systems Security/Auditing/Information Assurance", "P", 1.0),
    ("12.0401", "Cosmetology/Cosmetologist, General", "SP", 1.0),
    ("12.0409", "Aesthetician/Esthetician and Skin Care Specialist", "P", 0.5),
    ("12.0500", "Cooking and Related Culinary Arts, General", "S", 2.0),
    ("12.0503", "Culinary Arts/Chef Training", "P", 1.2),
    ("13.1210", "Early Childhood Education and Teaching", "SP", 1.5),
    ("13.1501", "Teacher Assistant/Aide", "S", 0.8),
    ("15.0000", "Engineering Technologies/Technicians, General", "S", 2.0),
    ("15.0613", "Manufacturing Engineering Technology/Technician", "SP", 1.2),
    ("15.1301", "Drafting and Design Technology/Technician, General", "SP", 1.0),
    ("19.0709", "Child Care Provider/Assistant", "S", 1.0),
    ("43.0107", "Criminal Justice/Police Science", "SP", 1.5),
    ("43.0203", "Fire Science/Fire-fighting", "SP", 0.8),
    ("46.0000", "Construction Trades, General", "S", 2.0),
    ("46.0201", "Carpentry/Carpenter", "SP", 1.0),
    ("46.0302", "Electrician", "P", 1.0),
    ("46.0503", "Plumbing Technology/Plumber", "P", 0.6),
    (
        "47.0201",
        "Heating, Air Conditioning, Ventilation and Refrigeration Maintenance Technology/Technician",
        "P",
        0.7,
    ),
    ("47.0604", "Automobile/Automotive Mechanics Technology/Technician", "SP", 2.0),
    ("47.0605", "Diesel Mechanics Technology/Technician", "P", 0.8),
    ("48.0501", "Machine Tool Technology/Machinist", "SP", 0.8),
    ("48.0508", "Welding Technology/Welder", "SP", 1.8),
    ("48.0701", "Woodworking, General", "S", 0.8),
    ("49.0205", "Truck and Bus Driver/Commercial Vehicle Operator and Instructor", "P", 0.8),
    ("50.0409", "Graphic Design", "SP", 1.5),
    ("50.0602", "Cinematography and Film/Video Production", "SP", 0.8),
    ("51.0601", "Dental Assisting/Assistant", "P", 0.8),
    ("51.0801", "Medical/Clinical Assistant", "SP", 1.5),
    ("51.0805", "Pharmacy Technician/Assistant", "P", 0.6),
    ("51.0904", "Emergency Medical Technology/Technician (EMT Paramedic)", "SP", 1.0),
    ("51.2601", "Health Aide", "S", 1.5),
    ("51.3801", "Registered Nursing/Registered Nurse", "P", 2.0),
    ("51.3901", "Licensed Practical/Vocational Nurse Training", "P", 1.0),
    ("52.0201", "Business Administration and Management, General", "SP", 2.0),
    ("52.0301", "Accounting", "SP", 1.2),
    ("52.0401", "Administrative Assistant and Secretarial Science, General", "P", 0.8),
    ("52.0901", "Hospitality Administration/Management, General", "SP", 0.8),
    ("52.0903", "Tourism and Travel Services Management", "S", 0.5),
    ("52.1401", "Marketing/Marketing Management, General", "SP", 1.2),
    ("52.1804", "Selling Skills and Sales Operations", "S", 0.6),
)
_PROGRAM_INDEX = {cip: i for i, (cip, *_rest) in enumerate(_PROGRAMS)}

# The award a college program grants, written as a state extract writes it (secondary rows leave it blank):
# "<1" a certificate of less than a year, "1-2" a certificate of one to two years, "AS" an associate's degree.
_AWARD_WORDS = {
    "<1": "Certificate (less than 1 year)",
    "1-2": "Certificate (1-2 years)",
    "AS": "Associate degree",
}
_AWARDS: dict[str, str] = _pairs(
    "01.0101=AS 01.0601=1-2 03.0501=AS 10.0304=AS 11.0201=AS 11.0901=1-2 11.1003=AS 12.0401=1-2 "
    "12.0409=<1 12.0503=1-2 13.1210=AS 15.0613=AS 15.1301=AS 43.0107=AS 43.0203=1-2 46.0201=1-2 "
    "46.0302=1-2 46.0503=1-2 47.0201=1-2 47.0604=1-2 47.0605=AS 48.0501=1-2 48.0508=<1 49.0205=<1 "
    "50.0409=AS 50.0602=AS 51.0601=1-2 51.0801=1-2 51.0805=<1 51.0904=<1 51.3801=AS 51.3901=1-2 "
    "52.0201=AS 52.0301=AS 52.0401=1-2 52.0901=AS 52.1401=AS",
    str,
)

# Supply mix of each region: multiplier on a program's popularity (0 = nobody offers it).
_SUPPLY_MIX: dict[str, dict[str, float]] = {
    "metro": _pairs(
        "10.0304=3 50.0602=3 50.0409=2.5 11.0201=2 11.1003=2 11.0901=1.5 01.0000=0.3 "
        "01.0201=0.1 01.0901=0.2 03.0501=0.1 03.0101=0.3"
    ),
    "valley": _pairs("48.0508=0 01.0000=2 01.0101=2 01.0601=2 13.1210=1.5"),
    "coast": _pairs("12.0500=0 12.0503=0 52.0901=0 52.0903=0 03.0101=2 51.2601=1.5"),
    "south": _pairs("12.0401=6 12.0409=3 03.0501=2 48.0701=2"),
    "central": _pairs(
        "46.0000=0.15 46.0201=0.15 46.0302=0.15 46.0503=0.15 47.0201=0.15 52.0903=2 52.0901=1.5"
    ),
    "east": _pairs("49.0205=0 01.0000=3 01.0901=3 01.0201=3 01.0101=2"),
}
_ENROLLMENT_HEADER = (
    "School Year",
    "District Name",
    "County FIPS",
    "Program Code",
    "Program Name",
    "CIP Code",
    "Program Level",
    "Award Level",
    "Enrolled",
    "Concentrators",
    "Completers",
)

# ----------------------------------------------------------------------------------------------------------
# OEWS: occupations with invented U.S. levels. soc -> (title, median hourly wage, U.S. employment in
# thousands, QCEW subsector whose regional concentration drives the occupation's, annual-only wages)
# ----------------------------------------------------------------------------------------------------------

_OCCUPATIONS: dict[str, tuple[str, float, float, str, bool]] = {
    "11-1021": ("General and Operations Managers", 49.0, 3_400, "551", False),
    "11-2021": ("Marketing Managers", 76.0, 370, "541", False),
    "11-3012": ("Administrative Services Managers", 51.0, 280, "561", False),
    "11-9013": ("Farmers, Ranchers, and Other Agricultural Managers", 38.0, 5, "111", False),
    "11-9021": ("Construction Managers", 50.0, 320, "236", False),
    "11-9031": ("Education and Childcare Administrators, Preschool and Daycare", 26.0, 60, "624", False),
    "11-9051": ("Food Service Managers", 30.0, 360, "722", False),
    "11-9081": ("Lodging Managers", 31.0, 40, "721", False),
    "13-1021": ("Buyers and Purchasing Agents, Farm Products", 33.0, 10, "424", False),
    "13-1081": ("Logisticians", 38.0, 210, "493", False),
    "13-1111": ("Management Analysts", 48.0, 850, "541", False),
    "13-1121": ("Meeting, Convention, and Event Planners", 27.0, 140, "721", False),
    "13-1161": ("Market Research Analysts and Marketing Specialists", 36.0, 900, "541", False),
    "13-2011": ("Accountants and Auditors", 39.0, 1_400, "541", False),
    "13-2082": ("Tax Preparers", 24.0, 80, "541", False),
    "15-1212": ("Information Security Analysts", 58.0, 180, "518", False),
    "15-1231": ("Computer Network Support Specialists", 33.0, 180, "518", False),
    "15-1232": ("Computer User Support Specialists", 28.0, 700, "518", False),
    "15-1241": ("Computer Network Architects", 62.0, 170, "517", False),
    "15-1244": ("Network and Computer Systems Administrators", 46.0, 320, "518", False),
    "15-1251": ("Computer Programmers", 47.5, 130, "513", False),
    "15-1252": ("Software Developers", 63.5, 1_650, "513", False),
    "15-1253": ("Software Quality Assurance Analysts and Testers", 49.0, 200, "513", False),
    "15-1254": ("Web Developers", 40.0, 90, "541", False),
    "15-1255": ("Web and Digital Interface Designers", 45.0, 110, "541", False),
    "17-3011": ("Architectural and Civil Drafters", 29.0, 95, "541", False),
    "17-3013": ("Mechanical Drafters", 30.5, 55, "333", False),
    "17-3023": (
        "Electrical and Electronic Engineering Technologists and Technicians",
        34.0,
        100,
        "334",
        False,
    ),
    "17-3024": ("Electro-Mechanical and Mechatronics Technologists and Technicians", 31.0, 15, "333", False),
    "17-3026": ("Industrial Engineering Technologists and Technicians", 30.0, 70, "332", False),
    "17-3027": ("Mechanical Engineering Technologists and Technicians", 31.0, 40, "333", False),
    "17-3029": (
        "Engineering Technologists and Technicians, Except Drafters, All Other",
        33.0,
        70,
        "336",
        False,
    ),
    "19-1011": ("Animal Scientists", 36.0, 3, "112", False),
    "19-1031": ("Conservation Scientists", 33.0, 20, "113", False),
    "19-1032": ("Foresters", 33.5, 10, "113", False),
    "19-4012": ("Agricultural Technicians", 22.0, 20, "111", False),
    "19-4071": ("Forest and Conservation Technicians", 23.0, 30, "113", False),
    "19-5011": ("Occupational Health and Safety Specialists", 38.0, 120, "541", False),
    "19-5012": ("Occupational Health and Safety Technicians", 29.0, 25, "562", False),
    "25-2011": ("Preschool Teachers, Except Special Education", 17.5, 440, "624", False),
    "25-2012": ("Kindergarten Teachers, Except Special Education", 30.0, 120, "611", True),
    "25-9042": (
        "Teaching Assistants, Preschool, Elementary, Middle, and Secondary School, Except Special Education",
        16.0,
        1_300,
        "611",
        True,
    ),
    "27-1014": ("Special Effects Artists and Animators", 48.0, 30, "513", False),
    "27-1024": ("Graphic Designers", 28.0, 220, "541", False),
    "27-1025": ("Interior Designers", 30.0, 60, "541", False),
    "27-4011": ("Audio and Video Technicians", 25.0, 70, "711", False),
    "27-4012": ("Broadcast Technicians", 26.0, 25, "513", False),
    "27-4031": ("Camera Operators, Television, Video, and Film", 28.0, 25, "513", False),
    "27-4032": ("Film and Video Editors", 32.0, 40, "513", False),
    "29-1141": ("Registered Nurses", 45.0, 3_300, "622", False),
    "29-1292": ("Dental Hygienists", 43.0, 220, "621", False),
    "29-2012": ("Medical and Clinical Laboratory Technicians", 28.0, 130, "621", False),
    "29-2034": ("Radiologic Technologists and Technicians", 35.0, 220, "622", False),
    "29-2042": ("Emergency Medical Technicians", 19.0, 170, "621", False),
    "29-2043": ("Paramedics", 26.0, 100, "621", False),
    "29-2052": ("Pharmacy Technicians", 19.5, 450, "456", False),
    "29-2055": ("Surgical Technologists", 29.0, 110, "622", False),
    "29-2056": ("Veterinary Technologists and Technicians", 20.0, 125, "541", False),
    "29-2061": ("Licensed Practical and Licensed Vocational Nurses", 28.5, 640, "623", False),
    "29-9021": ("Health Information Technologists and Medical Registrars", 30.0, 40, "622", False),
    "31-1121": ("Home Health Aides", 16.5, 1_000, "621", False),
    "31-1122": ("Personal Care Aides", 16.0, 2_700, "624", False),
    "31-1131": ("Nursing Assistants", 18.5, 1_350, "623", False),
    "31-2021": ("Physical Therapist Assistants", 32.0, 100, "621", False),
    "31-9011": ("Massage Therapists", 24.0, 120, "812", False),
    "31-9091": ("Dental Assistants", 22.0, 370, "621", False),
    "31-9092": ("Medical Assistants", 20.0, 760, "621", False),
    "31-9097": ("Phlebotomists", 20.0, 140, "621", False),
    "33-2011": ("Firefighters", 27.5, 330, "922", False),
    "33-3012": ("Correctional Officers and Jailers", 26.0, 390, "922", False),
    "33-3031": ("Fish and Game Wardens", 32.0, 6, "922", False),
    "33-3051": ("Police and Sheriff's Patrol Officers", 35.0, 670, "922", False),
    "35-1011": ("Chefs and Head Cooks", 28.0, 160, "722", False),
    "35-1012": ("First-Line Supervisors of Food Preparation and Serving Workers", 18.5, 1_200, "722", False),
    "35-2014": ("Cooks, Restaurant", 17.0, 1_400, "722", False),
    "37-1012": (
        "First-Line Supervisors of Landscaping, Lawn Service, and Groundskeeping Workers",
        27.0,
        110,
        "561",
        False,
    ),
    "37-3011": ("Landscaping and Groundskeeping Workers", 18.0, 950, "561", False),
    "39-5011": ("Barbers", 17.0, 30, "812", False),
    "39-5012": ("Hairdressers, Hairstylists, and Cosmetologists", 16.5, 300, "812", False),
    "39-5092": ("Manicurists and Pedicurists", 15.0, 100, "812", False),
    "39-5094": ("Skincare Specialists", 19.5, 70, "812", False),
    "39-7012": ("Travel Guides", 17.5, 15, "561", False),
    "39-9011": ("Childcare Workers", 14.8, 390, "624", False),
    "41-1011": ("First-Line Supervisors of Retail Sales Workers", 23.0, 1_100, "455", False),
    "41-2031": ("Retail Salespersons", 16.0, 3_800, "455", False),
    "41-3041": ("Travel Agents", 22.0, 60, "721", False),
    "41-3091": (
        "Sales Representatives of Services, Except Advertising, Insurance, Financial Services, and Travel",
        32.0,
        1_100,
        "541",
        False,
    ),
    "41-4012": (
        "Sales Representatives, Wholesale and Manufacturing, Except Technical and Scientific Products",
        32.0,
        1_300,
        "423",
        False,
    ),
    "43-3031": ("Bookkeeping, Accounting, and Auditing Clerks", 22.5, 1_500, "541", False),
    "43-6011": ("Executive Secretaries and Executive Administrative Assistants", 34.0, 450, "551", False),
    "43-6014": (
        "Secretaries and Administrative Assistants, Except Legal, Medical, and Executive",
        20.5,
        1_800,
        "561",
        False,
    ),
    "43-9031": ("Desktop Publishers", 24.0, 7, "513", False),
    "45-1011": ("First-Line Supervisors of Farming, Fishing, and Forestry Workers", 27.0, 30, "111", False),
    "45-2091": ("Agricultural Equipment Operators", 19.5, 60, "111", False),
    "45-2092": ("Farmworkers and Laborers, Crop, Nursery, and Greenhouse", 17.0, 270, "111", False),
    "45-2093": ("Farmworkers, Farm, Ranch, and Aquacultural Animals", 17.5, 90, "112", False),
    "45-4011": ("Forest and Conservation Workers", 19.0, 10, "113", False),
    "47-1011": (
        "First-Line Supervisors of Construction Trades and Extraction Workers",
        36.0,
        700,
        "238",
        False,
    ),
    "47-2031": ("Carpenters", 27.0, 700, "236", False),
    "47-2061": ("Construction Laborers", 22.0, 1_050, "237", False),
    "47-2111": ("Electricians", 30.0, 760, "238", False),
    "47-2152": ("Plumbers, Pipefitters, and Steamfitters", 30.5, 480, "238", False),
    "49-2094": (
        "Electrical and Electronics Repairers, Commercial and Industrial Equipment",
        33.0,
        60,
        "811",
        False,
    ),
    "49-3011": ("Aircraft Mechanics and Service Technicians", 36.0, 140, "488", False),
    "49-3021": ("Automotive Body and Related Repairers", 24.0, 150, "811", False),
    "49-3023": ("Automotive Service Technicians and Mechanics", 23.5, 700, "811", False),
    "49-3031": ("Bus and Truck Mechanics and Diesel Engine Specialists", 28.0, 300, "484", False),
    "49-3041": ("Farm Equipment Mechanics and Service Technicians", 26.0, 35, "111", False),
    "49-3042": ("Mobile Heavy Equipment Mechanics, Except Engines", 29.0, 190, "423", False),
    "49-9021": (
        "Heating, Air Conditioning, and Refrigeration Mechanics and Installers",
        27.0,
        420,
        "238",
        False,
    ),
    "49-9041": ("Industrial Machinery Mechanics", 29.5, 400, "333", False),
    "49-9051": ("Electrical Power-Line Installers and Repairers", 41.0, 120, "221", False),
    "49-9071": ("Maintenance and Repair Workers, General", 22.5, 1_500, "531", False),
    "49-9081": ("Wind Turbine Service Technicians", 29.0, 11, "221", False),
    "51-3011": ("Bakers", 17.0, 200, "311", False),
    "51-4041": ("Machinists", 24.5, 310, "332", False),
    "51-4121": ("Welders, Cutters, Solderers, and Brazers", 24.0, 420, "332", False),
    "51-5111": ("Prepress Technicians and Workers", 21.0, 20, "513", False),
    "51-5112": ("Printing Press Operators", 20.0, 150, "513", False),
    "51-7011": ("Cabinetmakers and Bench Carpenters", 19.5, 75, "321", False),
    "51-7042": ("Woodworking Machine Setters, Operators, and Tenders, Except Sawing", 18.5, 50, "321", False),
    "51-9061": ("Inspectors, Testers, Sorters, Samplers, and Weighers", 22.0, 590, "336", False),
    "51-9161": ("Computer Numerically Controlled Tool Operators", 23.0, 160, "333", False),
    "51-9162": ("Computer Numerically Controlled Tool Programmers", 29.5, 30, "333", False),
    "53-2011": ("Airline Pilots, Copilots, and Flight Engineers", 105.0, 100, "488", True),
    "53-2012": ("Commercial Pilots", 55.0, 50, "488", False),
    "53-3032": ("Heavy and Tractor-Trailer Truck Drivers", 26.5, 2_100, "484", False),
    "53-3033": ("Light Truck Drivers", 20.5, 1_050, "493", False),
}
# median hourly wage by SOC major group, for a linked occupation this module has no figures for
_MAJOR_WAGE = _pairs(
    "11=55 13=38 15=48 17=40 19=35 21=25 23=45 25=28 27=28 29=38 31=18 "
    "33=25 35=16.5 37=17.5 39=17 41=18 43=22 45=17.5 47=27 49=26 51=21 53=20"
)
# fmt: off
_OEWS_COLUMNS: tuple[str, ...] = (
    "AREA", "AREA_TITLE", "AREA_TYPE", "PRIM_STATE", "NAICS", "NAICS_TITLE", "I_GROUP", "OWN_CODE",
    "OCC_CODE", "OCC_TITLE", "O_GROUP", "TOT_EMP", "EMP_PRSE", "JOBS_1000", "LOC_QUOTIENT", "PCT_TOTAL",
    "PCT_RPT", "H_MEAN", "A_MEAN", "MEAN_PRSE", "H_PCT10", "H_PCT25", "H_MEDIAN", "H_PCT75", "H_PCT90",
    "A_PCT10", "A_PCT25", "A_MEDIAN", "A_PCT75", "A_PCT90", "ANNUAL", "HOURLY",
)
# fmt: on
_WAGE_SHAPE = {"H_PCT10": 0.66, "H_PCT25": 0.80, "H_MEDIAN": 1.0, "H_PCT75": 1.25, "H_PCT90": 1.55}
_TOP_HOURLY, _TOP_ANNUAL = 115.0, 239_200.0

# ----------------------------------------------------------------------------------------------------------
# Living wage: invented hourly figures for 1 adult + 1 child in the last year, per region, and family ratios.
# ----------------------------------------------------------------------------------------------------------
_LIVING_1A1C = {"metro": 33.0, "valley": 29.5, "coast": 28.5, "south": 28.0, "central": 30.5, "east": 27.0}
_FAMILY_RATIO = {
    (1, 0): 0.66,
    (1, 1): 1.0,
    (1, 2): 1.27,
    (1, 3): 1.62,
    (2, 0): 0.86,
    (2, 1): 1.0,
    (2, 2): 1.12,
    (2, 3): 1.24,
}


def _rng(seed: int, part: str) -> np.random.Generator:
    """An independent, reproducible random stream for one part of the data set."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(part.encode())]))


# ==========================================================================================================
# regions.csv
# ==========================================================================================================


def _regions_table() -> pd.DataFrame:
    rows = [
        {
            "county_fips": fips,
            "county_name": f"{name} County",
            "region_id": _REGION_OF[fips].region_id,
            "region_name": _REGION_OF[fips].name,
            "region_type": "workforce_area",
            "oews_area": _REGION_OF[fips].oews_area,
        }
        for fips, (name, _size) in COUNTIES.items()
    ]
    return pd.DataFrame(rows)


# ==========================================================================================================
# QCEW
# ==========================================================================================================


def _cell_catalog() -> pd.DataFrame:
    """One row per ownership × 3-digit subsector of the synthetic economy, with U.S. levels."""
    private = pd.DataFrame(
        [("5", code, sector, title, emp, pay, size) for code, sector, title, emp, pay, size in _SUBSECTORS],
        columns=["own_code", "industry_code", "sector", "title", "us_emp_k", "us_pay", "estab_size"],
    )
    titles = {code: (sector, title) for code, sector, title, *_ in _SUBSECTORS} | _GOV_TITLES
    gov = pd.DataFrame(
        [(own, code, *titles[code], emp, pay, size) for own, code, emp, pay, size in _GOVERNMENT],
        columns=private.columns,
    )
    return pd.concat([private, gov], ignore_index=True)


def _qcew_cells(seed: int, years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """County and U.S. cells (ownership × subsector × year) with employment, establishments and wages.

    ``years`` starts with one extra year before the first written one, so ``oty_*`` has a base.
    """
    rng = _rng(seed, "qcew")
    cat = _cell_catalog()
    k = len(cat)
    y0 = years[0]
    t = np.array([y - y0 for y in years], dtype=float)

    # U.S.: the catalog levels with modest growth.
    us_growth = 0.012 + rng.normal(0, 0.008, k)
    us = []
    for i, y in enumerate(years):
        emp = np.round(cat["us_emp_k"].to_numpy() * 1000 * (1 + us_growth) ** t[i])
        pay = cat["us_pay"].to_numpy() * 1.035 ** t[i]
        us.append(cat.assign(area_fips="US000", year=y, emp=emp, pay=pay))
    us_cells = pd.concat(us, ignore_index=True)
    us_cells["estabs"] = np.maximum(1, np.round(us_cells["emp"] / us_cells["estab_size"]))

    frames = []
    base_share = cat["us_emp_k"].to_numpy(dtype=float)
    for fips, (_name, size) in COUNTIES.items():
        region = _REGION_OF[fips]
        mix = np.array([_REGION_MIX[region.region_id].get(c, 1.0) for c in cat["industry_code"]])
        share = base_share * mix * rng.lognormal(0, 0.3, k)
        expected = size * share / share.sum()
        present = expected >= np.maximum(2.0, 0.05 * cat["estab_size"].to_numpy())
        growth = (
            0.012
            + np.array([_REGION_GROWTH[region.region_id].get(c, 0.0) for c in cat["industry_code"]])
            + rng.normal(0, 0.01, k)
        )
        estab_noise = rng.lognormal(0, 0.35, k)
        pay_noise = rng.lognormal(0, 0.08, k)
        for i, y in enumerate(years):
            emp = np.maximum(1, np.round(expected * (1 + growth) ** t[i] * rng.lognormal(0, 0.008, k)))
            pay = (
                cat["us_pay"].to_numpy()
                * region.pay_factor
                * pay_noise
                * 1.035 ** t[i]
                * rng.lognormal(0, 0.01, k)
            )
            frames.append(
                cat.assign(area_fips=fips, year=y, emp=emp, pay=pay, estab_noise=estab_noise)[present]
            )
    cells = pd.concat(frames, ignore_index=True)
    cells["estabs"] = np.maximum(1, np.round(cells["emp"] / (cells["estab_size"] * cells["estab_noise"])))
    cells = cells.drop(columns="estab_noise")
    for df in (cells, us_cells):
        df["wages"] = np.round(df["emp"] * df["pay"])
        private = df["own_code"].eq("5")
        df["taxable"] = np.where(private, np.round(df["emp"] * np.minimum(df["pay"], 50_000.0) * 0.96), 0.0)
        df["contrib"] = np.round(df["taxable"] * 0.021)
    cells, us_cells = cells.drop(columns="pay"), us_cells.drop(columns="pay")
    cells["suppressed"] = _suppress(cells)
    us_cells["suppressed"] = False
    return cells, us_cells


def _suppress(cells: pd.DataFrame) -> pd.Series:
    """BLS-style 3-digit suppression in small counties: a primary cell (fewer than 3 establishments) and,
    when it is the only one in its ownership × sector, the smallest other cell there, so it cannot be
    recovered by subtracting the disclosed cells from the sector."""
    keys = ["area_fips", "year", "own_code", "sector"]
    small = cells["area_fips"].map(lambda f: COUNTIES[f][1] < _SMALL_COUNTY)
    n = cells.groupby(keys)["industry_code"].transform("size")
    primary = small & cells["estabs"].le(2) & n.ge(2)
    alone = cells.assign(p=primary).groupby(keys)["p"].transform("sum").eq(1)
    order = cells.assign(p=primary).sort_values([*keys, "p", "emp", "industry_code"])
    complement = order[alone[order.index] & ~order["p"]].groupby(keys).head(1).index
    out = primary.copy()
    out.loc[complement] = True
    return out


def _aggregate(cells: pd.DataFrame, kind: str, area_fips: str | None = None) -> pd.DataFrame:
    """Sector, ownership and total rows above the 3-digit cells (always disclosed), plus the cells."""
    _, codes = _AGGLVL[kind]
    measures = ["estabs", "emp", "wages", "taxable", "contrib"]
    base = cells.copy()
    if area_fips is not None:
        base["area_fips"] = area_fips
        base = base.groupby(["area_fips", "year", "own_code", "industry_code", "sector"], as_index=False)[
            measures
        ].sum()
        base["suppressed"] = False
    sub = base.assign(level="sub")
    sector = (
        base.groupby(["area_fips", "year", "own_code", "sector"], as_index=False)[measures]
        .sum()
        .assign(industry_code=lambda d: d["sector"], suppressed=False, level="sector")
    )
    own = (
        base.groupby(["area_fips", "year", "own_code"], as_index=False)[measures]
        .sum()
        .assign(industry_code="10", suppressed=False, level="own")
    )
    total = (
        base.groupby(["area_fips", "year"], as_index=False)[measures]
        .sum()
        .assign(own_code="0", industry_code="10", suppressed=False, level="total")
    )
    cols = ["area_fips", "year", "own_code", "industry_code", "level", "suppressed", *measures]
    out = pd.concat([df[cols] for df in (total, own, sector, sub)], ignore_index=True)
    out["agglvl_code"] = out["level"].map(codes)
    out["kind"] = kind
    return out


def _qcew_table(seed: int, years: Iterable[int]) -> pd.DataFrame:
    """Every row of every QCEW file (all 43 columns as numbers or text), for the requested years."""
    years = sorted(int(y) for y in years)
    all_years = [years[0] - 1, *years]
    cells, us_cells = _qcew_cells(seed, all_years)
    rows = pd.concat(
        [
            _aggregate(cells, "county"),
            _aggregate(cells, "state", f"{STATE_FIPS}000"),
            _aggregate(us_cells, "nation"),
        ],
        ignore_index=True,
    )
    rows["wkly"] = np.round(rows["wages"] / rows["emp"] / 52)
    rows["pay"] = np.round(rows["wages"] / rows["emp"])
    measures = ["estabs", "emp", "wages", "taxable", "contrib", "wkly", "pay"]

    # Location quotients against the U.S. file (BLS: shares for counts and totals, ratios for average pay).
    key = ["year", "own_code", "industry_code"]
    us = rows[rows["kind"].eq("nation")].set_index(key)[measures]
    us_tot = us.xs(("0", "10"), level=("own_code", "industry_code"))
    area_tot = rows[rows["level"].eq("total")].set_index(["area_fips", "year"])[measures]
    idx = pd.MultiIndex.from_frame(rows[key])
    us_here = us.reindex(idx).to_numpy()
    us_tot_here = us_tot.reindex(rows["year"]).to_numpy()
    area_tot_here = area_tot.reindex(pd.MultiIndex.from_frame(rows[["area_fips", "year"]])).to_numpy()
    own = rows[measures].to_numpy()
    lq = lq_array(own, area_tot_here, us_here, us_tot_here)
    with np.errstate(divide="ignore", invalid="ignore"):
        lq[:, 5:] = own[:, 5:] / us_here[:, 5:]  # BLS: average pay and weekly wage are ratios, not shares
    lq = np.nan_to_num(lq, nan=0.0, posinf=0.0, neginf=0.0)
    for j, m in enumerate(measures):
        rows[f"lq_{m}"] = np.round(lq[:, j], 2)

    # Over-the-year changes against the previous year of the same row.
    prev = rows.assign(year=rows["year"] + 1).set_index(["area_fips", *key])[[*measures, "suppressed"]]
    prev = prev.reindex(pd.MultiIndex.from_frame(rows[["area_fips", *key]]))
    rows["oty_hidden"] = rows["suppressed"] | prev["suppressed"].fillna(False).astype(bool).to_numpy()
    for m in measures:
        before = prev[m].to_numpy(dtype=float)
        chg = rows[m].to_numpy(dtype=float) - before
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(before > 0, chg / before * 100, 0.0)
        rows[f"oty_{m}_chg"] = np.nan_to_num(chg, nan=0.0)
        rows[f"oty_{m}_pct"] = np.round(np.nan_to_num(pct, nan=0.0), 1) + 0.0
    return rows[rows["year"].isin(years)].reset_index(drop=True)


def _area_titles() -> dict[str, str]:
    titles = {fips: f"{name} County, {STATE_NAME}" for fips, (name, _) in COUNTIES.items()}
    titles[f"{STATE_FIPS}000"] = f"{STATE_NAME} -- Statewide"
    titles["US000"] = "U.S. TOTAL"
    return titles


def _format_qcew(rows: pd.DataFrame) -> pd.Series:
    """Each row as a CSV line in the BLS layout: text quoted, numbers bare, suppressed values written as 0."""
    titles = _area_titles()
    industry_titles = {"10": "10 Total, all industries"} | {
        code: f"NAICS {code} {title}" for code, title in _SECTORS.items()
    }
    industry_titles |= {c: f"NAICS {c} {t}" for c, _s, t, *_ in _SUBSECTORS}
    industry_titles |= {c: f"NAICS {c} {t}" for c, (_s, t) in _GOV_TITLES.items()}
    agg_titles = {
        code: f"{label}, {_AGGLVL_TITLES[level]}"
        for label, codes in _AGGLVL.values()
        for level, code in codes.items()
    }

    def q(s: pd.Series) -> pd.Series:
        return '"' + s.astype(str) + '"'

    def integer(values: pd.Series, hidden: pd.Series) -> pd.Series:
        return values.where(~hidden, 0).astype("int64").astype(str)

    def decimal(values: pd.Series, hidden: pd.Series, places: int) -> pd.Series:
        text = values.map(f"{{:.{places}f}}".format)
        return text.where(~hidden, "0")

    hid = rows["suppressed"]
    oty = rows["oty_hidden"]
    disclosure = hid.map({True: "N", False: ""})
    never = pd.Series(False, index=rows.index)
    parts = [
        q(rows["area_fips"]),
        q(rows["own_code"]),
        q(rows["industry_code"]),
        q(rows["agglvl_code"]),
        q(pd.Series("0", index=rows.index)),
        q(rows["year"]),
        q(pd.Series("A", index=rows.index)),
        q(disclosure),
        q(rows["area_fips"].map(titles)),
        q(rows["own_code"].map(_OWN_TITLES)),
        q(rows["industry_code"].map(industry_titles)),
        q(rows["agglvl_code"].map(agg_titles)),
        q(pd.Series("All establishment sizes", index=rows.index)),
        integer(rows["estabs"], never),
        *(integer(rows[m], hid) for m in ("emp", "wages", "taxable", "contrib", "wkly", "pay")),
        q(disclosure),
        decimal(rows["lq_estabs"], never, 2),
        *(decimal(rows[f"lq_{m}"], hid, 2) for m in ("emp", "wages", "taxable", "contrib", "wkly", "pay")),
        q(oty.map({True: "N", False: ""})),
    ]
    for m in ("estabs", "emp", "wages", "taxable", "contrib", "wkly", "pay"):
        parts.append(integer(rows[f"oty_{m}_chg"], oty))
        pct = decimal(rows[f"oty_{m}_pct"], oty, 1)
        parts.append(pct.where(~oty, "0.0") if m == "estabs" else pct)  # BLS writes `0,0.0,0,0,...` there
    return parts[0].str.cat(parts[1:], sep=",")


def _write_qcew(rows: pd.DataFrame, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    titles = _area_titles()
    rows = rows.sort_values(["area_fips", "year", "own_code", "agglvl_code", "industry_code"], kind="stable")
    lines = _format_qcew(rows)
    header = ",".join(f'"{c}"' for c in QCEW_ANNUAL_HEADER)
    written = []
    for (area, year), part in lines.groupby([rows["area_fips"], rows["year"]], sort=True):
        path = folder / f"{year}.annual {area} {titles[area]}.csv"
        text = "\r\n".join([header, *part.tolist()]) + "\r\n"
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


# ==========================================================================================================
# Enrollment
# ==========================================================================================================


def _institutions() -> list[dict]:
    """Invented school districts (one or two per county) and one community college per region."""
    out = []
    for fips, (name, size) in COUNTIES.items():
        region = _REGION_OF[fips]
        for n in range(1, 3 if size >= 40_000 else 2):
            out.append(
                {
                    "name": f"{name} Demo SD {n}",
                    "fips": fips,
                    "level": "Secondary",
                    "region": region,
                    "size": size / (2 if size >= 40_000 else 1),
                }
            )
    for region in REGIONS:
        size = sum(COUNTIES[_FIPS_BY_NAME[c]][1] for c in region.counties)
        out.append(
            {
                "name": f"{region.name.replace(' Region', '')} Community College",
                "fips": _FIPS_BY_NAME[region.college_county],
                "level": "Postsecondary",
                "region": region,
                "size": size,
            }
        )
    return out


def _enrollment_table(seed: int, years: list[int]) -> pd.DataFrame:
    rng = _rng(seed, "enrollment")
    rows = []
    for inst in _institutions():
        region: Region = inst["region"]
        secondary = inst["level"] == "Secondary"
        mix = _SUPPLY_MIX[region.region_id]
        eligible = [
            (cip, w * mix.get(cip, 1.0)) for cip, _t, lv, w in _PROGRAMS if ("S" if secondary else "P") in lv
        ]
        eligible = [(c, w) for c, w in eligible if w > 0]
        if secondary:
            n = int(np.clip(round(2 + 2.2 * np.log10(inst["size"] / 400)), 2, 16))
        else:
            n = int(np.clip(round(6 + 5 * np.log10(inst["size"] / 20_000)), 8, 26))
        weights = np.array([w for _c, w in eligible])
        picked = rng.choice(
            len(eligible), size=min(n, len(eligible)), replace=False, p=weights / weights.sum()
        )
        chosen = {eligible[i][0]: eligible[i][0] for i in sorted(picked)}  # cip -> CIP as written
        forced = _forced_programs(inst, region)
        chosen.update(forced)
        for cip, written in sorted(chosen.items()):
            rows.extend(_program_rows(rng, inst, region, cip, written, years))
    df = pd.DataFrame(rows)
    df = _mark_suppressed(df)
    return df.sort_values(["School Year", "District Name", "Program Code"], kind="stable").reset_index(
        drop=True
    )


def _forced_programs(inst: dict, region: Region) -> dict[str, str]:
    """Programs placed on purpose: the story's mismatches and the messy CIP forms real extracts contain."""
    name, secondary = inst["name"], inst["level"] == "Secondary"
    forced: dict[str, str] = {}
    if not secondary:
        forced["51.3801"] = "513801" if region.region_id == "metro" else "51.3801"  # digits only, as exported
    if secondary and region.region_id == "south":
        forced["12.0401"] = "12.0401"
    if name == "Baker Demo SD 1":
        forced["01.0000"] = '="01.0000"'  # Excel-protected text
    if name == "Polk Demo SD 1":
        forced["01.0000"] = "1.0"  # a CIP that went through a number column
    if name == "Lane Demo SD 1":
        forced["CIP TBD"] = "CIP TBD"  # no CIP assigned yet: must land in "unmatched"
    if name == "Curry Demo SD 1":
        forced["12.0500"] = "12.0500"  # the coast's one (tiny) culinary program
    return forced


def _program_rows(rng, inst, region, cip, written, years) -> list[dict]:
    secondary = inst["level"] == "Secondary"
    if cip in _PROGRAM_INDEX:
        i = _PROGRAM_INDEX[cip]
        title, weight = _PROGRAMS[i][1], _PROGRAMS[i][3]
        code = f"{'S' if secondary else 'P'}{i + 101:03d}"
    else:
        i, title, weight, code = -1, "Career Exploration Pilot", 1.0, "S900"
    boost = _SUPPLY_MIX[region.region_id].get(cip, 1.0) ** 0.5
    if secondary:
        mean = 40 * np.clip((inst["size"] / 30_000) ** 0.45, 0.12, 3.0) * boost * weight**0.3
        rates = (0.45, 0.55)
    else:
        mean = 55 * np.clip((inst["size"] / 200_000) ** 0.4, 0.4, 2.5) * boost * weight**0.3
        rates = (0.6, 0.45)
    if inst["name"] == "Curry Demo SD 1" and cip == "12.0500":
        mean = 8.0
    trend = rng.normal(0.01, 0.04)
    out = []
    for t, year in enumerate(years):
        enrolled = max(1, int(round(mean * (1 + trend) ** t * rng.lognormal(0, 0.12))))
        conc = int(rng.binomial(enrolled, rates[0]))
        comp = int(rng.binomial(conc, rates[1]))
        out.append(
            {
                "School Year": f"{year - 1}-{year % 100:02d}",
                "District Name": inst["name"],
                "County FIPS": inst["fips"],
                "Program Code": code,
                "Program Name": title,
                "CIP Code": written,
                "Program Level": inst["level"],
                "Award Level": "" if secondary else _AWARD_WORDS[_AWARDS.get(cip, "1-2")],
                "Enrolled": enrolled,
                "Concentrators": conc,
                "Completers": comp,
            }
        )
    return out


def _mark_suppressed(df: pd.DataFrame) -> pd.DataFrame:
    """Write the suppression marker ``*`` into a few small cells, as state extracts do (most stay visible)."""
    df = df.copy()
    for col in ("Enrolled", "Concentrators", "Completers"):
        df[col] = df[col].astype(object)
    small = df.index[(df["Enrolled"] < 10) & df["CIP Code"].ne("CIP TBD")]
    for j, i in enumerate(small[::3][:6]):
        cols = ["Completers"] if j % 2 == 0 else ["Concentrators", "Completers"]
        df.loc[i, cols] = "*"
    return df


def _write_enrollment(df: pd.DataFrame, path: Path) -> None:
    def field(value: object) -> str:
        text = str(value)
        return f'"{text}"' if "," in text else text  # `="01.0000"` stays raw, as real exports write it

    lines = [",".join(_ENROLLMENT_HEADER)]
    lines += [",".join(field(v) for v in row) for row in df[list(_ENROLLMENT_HEADER)].itertuples(index=False)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


# ==========================================================================================================
# OEWS
# ==========================================================================================================


def _linked_socs() -> tuple[list[str], dict[str, str]]:
    """Detailed SOCs of the project's CIP→SOC table (with titles when the table has them)."""
    table = None
    try:
        from .reference import load_cip_soc

        table = load_cip_soc()
    except (ImportError, AttributeError, FileNotFoundError):
        path = REFERENCE_DIR / "cip_soc.csv"
        if path.is_file():
            table = pd.read_csv(path, dtype=str, comment="#")
    if table is None or "soc" not in table:
        return sorted(_OCCUPATIONS), {}
    socs = sorted({s for s in table["soc"].dropna().astype(str) if re.fullmatch(r"\d{2}-\d{4}", s)})
    title_col = next((c for c in ("soc_title", "occ_title", "title") if c in table), None)
    titles = {}
    if title_col:
        titles = dict(zip(table["soc"].astype(str), table[title_col].astype(str), strict=False))
    return socs, titles


def _oews_table(seed: int, year: int, qcew_rows: pd.DataFrame) -> pd.DataFrame:
    rng = _rng(seed, "oews")
    socs, table_titles = _linked_socs()
    rows_y = qcew_rows[qcew_rows["year"].eq(year)]

    us_tot = float(rows_y.loc[rows_y["kind"].eq("nation") & rows_y["level"].eq("total"), "emp"].iloc[0])
    us_sub = (
        rows_y[rows_y["kind"].eq("nation") & rows_y["level"].eq("sub")].groupby("industry_code")["emp"].sum()
    )
    county = rows_y[rows_y["kind"].eq("county")].copy()
    county["region"] = county["area_fips"].map(lambda f: _REGION_OF[f].region_id)
    reg_tot = county[county["level"].eq("total")].groupby("region")["emp"].sum()
    reg_sub = county[county["level"].eq("sub")].groupby(["region", "industry_code"])["emp"].sum()

    def occupation(soc: str) -> tuple[str, float, float, str, bool]:
        if soc in _OCCUPATIONS:
            return _OCCUPATIONS[soc]
        title = table_titles.get(soc) or f"Occupation {soc}"
        return (title, _MAJOR_WAGE.get(soc[:2], 22.0), 50.0, "", False)

    occs = {soc: occupation(soc) for soc in socs}
    areas = [(NATION_OEWS_AREA, "U.S.", "1", "US", None)] + [(STATE_FIPS, STATE_NAME, "2", STATE_ABBR, None)]
    areas += [
        (r.oews_area, f"{r.name}, {STATE_ABBR} (synthetic)", r.oews_area_type, STATE_ABBR, r) for r in REGIONS
    ]

    records = []
    regional: dict[str, list[tuple[float, float]]] = {soc: [] for soc in socs}
    for region in REGIONS:
        total = float(reg_tot[region.region_id])
        for soc, (title, wage, emp_k, home, annual_only) in occs.items():
            lq = 1.0
            if home and home in us_sub.index:
                here = float(reg_sub.get((region.region_id, home), 0.0)) / total
                lq = max(here / (float(us_sub[home]) / us_tot), 0.05) ** 0.8
            emp = emp_k * 1000 / us_tot * total * lq * rng.lognormal(0, 0.15)
            med = wage * region.pay_factor * rng.lognormal(0, 0.04)
            regional[soc].append((emp, med))
            records.append((region, soc, title, emp, med, annual_only, total))
    state_total = float(reg_tot.sum())
    for soc, (title, _wage, _emp_k, _home, annual_only) in occs.items():
        emps = np.array([e for e, _m in regional[soc]])
        meds = np.array([m for _e, m in regional[soc]])
        records.append(
            (
                "state",
                soc,
                title,
                emps.sum(),
                float((emps * meds).sum() / emps.sum()),
                annual_only,
                state_total,
            )
        )
    for soc, (title, wage, emp_k, _home, annual_only) in occs.items():
        records.append(("nation", soc, title, emp_k * 1000, wage, annual_only, us_tot))

    us_emp = {soc: emp_k * 1000 for soc, (_t, _w, emp_k, _h, _a) in occs.items()}
    all_med = {"nation": 24.5}
    all_med["state"] = 24.5 * float(sum(reg_tot[r.region_id] * r.pay_factor for r in REGIONS) / state_total)
    out = []
    for code, title, atype, prim, region in areas:
        key = "nation" if atype == "1" else "state" if atype == "2" else region
        total = (
            us_tot if key == "nation" else state_total if key == "state" else float(reg_tot[region.region_id])
        )
        med_all = all_med.get(key) if isinstance(key, str) else 24.5 * region.pay_factor
        base = {
            "AREA": code,
            "AREA_TITLE": title,
            "AREA_TYPE": atype,
            "PRIM_STATE": prim,
            "NAICS": "000000",
            "NAICS_TITLE": "Cross-industry",
            "I_GROUP": "cross-industry",
            "OWN_CODE": "1235",
        }
        out.append(
            _oews_row(
                base,
                "00-0000",
                "All Occupations",
                "total",
                total,
                total,
                us_tot,
                us_tot,
                med_all,
                False,
                key == "nation",
                rng,
            )
        )
        for rec in records:
            if rec[0] != key:
                continue
            _k, soc, otitle, emp, med, annual_only, _tot = rec
            out.append(
                _oews_row(
                    base,
                    soc,
                    otitle,
                    "detailed",
                    emp,
                    total,
                    us_emp[soc],
                    us_tot,
                    med,
                    annual_only,
                    key == "nation",
                    rng,
                )
            )
    df = pd.DataFrame(out, columns=list(_OEWS_COLUMNS))
    return _oews_markers(df)


def _oews_row(base, soc, title, group, emp, total, us_emp, us_total, med, annual_only, national, rng) -> dict:
    row = dict(base)
    emp10 = max(10.0, round(emp / 10) * 10)
    row |= {"OCC_CODE": soc, "OCC_TITLE": title, "O_GROUP": group, "TOT_EMP": int(emp10)}
    size = max(emp, 10.0)
    row["EMP_PRSE"] = round(float(np.clip(60 / np.sqrt(size) + rng.uniform(0, 1.5), 0.2, 45)), 1)
    if national:
        row["JOBS_1000"] = row["LOC_QUOTIENT"] = None
    else:
        row["JOBS_1000"] = round(emp10 / total * 1000, 3)
        row["LOC_QUOTIENT"] = round(location_quotient(emp10, total, us_emp, us_total), 2)
    row["PCT_TOTAL"] = row["PCT_RPT"] = None
    hourly = {k: round(med * f, 2) for k, f in _WAGE_SHAPE.items()}
    h_mean = round(med * 1.09, 2)
    row["H_MEAN"], row["A_MEAN"] = h_mean, int(round(h_mean * HOURS_PER_YEAR, -1))
    row["MEAN_PRSE"] = round(float(np.clip(25 / np.sqrt(size) + rng.uniform(0.1, 1.0), 0.1, 20)), 1)
    for k, v in hourly.items():
        row[k] = v
        row["A_" + k[2:]] = int(round(v * HOURS_PER_YEAR, -1))
    row["ANNUAL"], row["HOURLY"] = ("TRUE" if annual_only else ""), ""
    if annual_only:
        row["H_MEAN"] = "*"
        for k in _WAGE_SHAPE:
            row[k] = "*"
    for k in _WAGE_SHAPE:  # BLS top codes
        if isinstance(row[k], float) and row[k] >= _TOP_HOURLY:
            row[k] = "#"
        if row["A_" + k[2:]] >= _TOP_ANNUAL:
            row["A_" + k[2:]] = "#"
    return row


def _oews_markers(df: pd.DataFrame) -> pd.DataFrame:
    """A few `**` (employment not available) and `*` (wage not available) cells in the smallest regional
    cells, and at least one `#` top-coded wage."""
    df = df.astype(object)
    regional = df["AREA_TYPE"].isin(["4", "6"]) & df["OCC_CODE"].ne("00-0000")
    emp = pd.to_numeric(df["TOT_EMP"])
    smallest = emp[regional].sort_values(kind="stable").index
    for i in smallest[:4]:  # employment estimate not available
        df.loc[i, ["TOT_EMP", "EMP_PRSE", "JOBS_1000", "LOC_QUOTIENT"]] = "**"
    wage_cols = ["H_MEAN", "A_MEAN", "MEAN_PRSE", *_WAGE_SHAPE, *("A_" + k[2:] for k in _WAGE_SHAPE)]
    for i in smallest[4:7]:  # wage estimate not available
        df.loc[i, wage_cols] = "*"
    if not df.isin(["#"]).to_numpy().any():
        top = pd.to_numeric(df["A_PCT90"], errors="coerce").idxmax()
        df.loc[top, ["H_PCT90", "A_PCT90"]] = "#"
    return df


def _write_oews(df: pd.DataFrame, path: Path, year: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f"All May {year} data"
    ws.append(list(_OEWS_COLUMNS))
    for row in df.itertuples(index=False):
        ws.append([None if (v is None or (isinstance(v, float) and np.isnan(v))) else v for v in row])
    notes = wb.create_sheet("Field Descriptions")
    for line in (
        f"May {year} OEWS Estimates -- SYNTHETIC ({TITLE} demo data; every figure is invented)",
        "Layout of the BLS all-data file. Areas 41000xx are invented regions, not BLS areas.",
        "*  = indicates that a wage estimate is not available",
        "**  = indicates that an employment estimate is not available",
        "#  = indicates a wage equal to or greater than $115.00 per hour or $239,200 per year",
    ):
        notes.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_stable_zip(buf.getvalue(), year))


def _stable_zip(data: bytes, year: int) -> bytes:
    """Rewrite an xlsx with fixed timestamps (zip entries, document properties): byte-identical runs."""
    stamp = f"{year}-05-01T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rf"\g<1>{stamp}\g<3>", text
                )
                body = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(year, 5, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()


# ==========================================================================================================
# Employment Projections (BLS occupation.xlsx layout: Tables 1.2 and 1.10, employment in thousands)
# ==========================================================================================================

_EDUCATION = (
    "No formal educational credential",
    "High school diploma or equivalent",
    "Some college, no degree",
    "Postsecondary nondegree award",
    "Associate's degree",
    "Bachelor's degree",
)
# SOC prefix -> index in _EDUCATION; the longest matching prefix wins (invented but plausible entry levels)
_EDUCATION_OF: dict[str, int] = {
    "11": 5, "13": 5, "15": 5, "15-123": 2, "17": 4, "19-1": 5, "19-4": 4, "19-5011": 5, "19-5012": 1,
    "25-2011": 4, "25-2012": 5, "27": 5, "27-4": 3, "29-1": 5, "29-1292": 4, "29-2": 3, "29-2012": 4,
    "29-2034": 4, "29-9": 3, "31": 3, "31-1122": 1, "31-2021": 4, "33": 1, "33-2011": 3, "35": 0, "35-1": 1,
    "37": 0, "39-5": 3, "39-7": 1, "39-9": 1, "41": 1, "41-2": 0, "43": 1, "45": 0, "45-1": 1, "47": 1,
    "47-2061": 0, "49": 1, "49-3011": 3, "49-3023": 3, "49-3031": 3, "49-9081": 3, "51": 1, "51-9162": 3,
    "53-2011": 5, "53-2012": 3, "53-3032": 3, "53-3033": 1,
}  # fmt: skip
_APPRENTICESHIP = ("47-2031", "47-2111", "47-2152", "49-9051")


def _education(soc: str) -> str:
    best = max((k for k in _EDUCATION_OF if soc.startswith(k)), key=len, default="43")
    return _EDUCATION[_EDUCATION_OF[best]]


def _training(soc: str, education: str) -> str:
    if soc in _APPRENTICESHIP:
        return "Apprenticeship"
    if education in ("Bachelor's degree", "Associate's degree", "Postsecondary nondegree award"):
        return "None"
    if education == "No formal educational credential":
        return "Short-term on-the-job training"
    return "Moderate-term on-the-job training"


def _projections_rows(seed: int, base: int) -> tuple[list[list[object]], list[list[object]]]:
    """Rows of Tables 1.2 and 1.10 for the demo's occupations (employment and openings in thousands)."""
    rng = _rng(seed, "projections")
    t12: list[list[object]] = []
    t110: list[list[object]] = []
    totals = np.zeros(6)
    for soc, (title, hourly, us_thousands, _sub, _annual) in sorted(_OCCUPATIONS.items()):
        emp = float(us_thousands)
        pct = float(np.clip(rng.normal(6.0 if soc[:2] in ("29", "31") else 3.0, 5.0), -15, 30))
        proj = round(emp * (1 + pct / 100), 1)
        change = round(proj - emp, 1)
        exit_rate = float(np.clip(rng.normal(4.5, 0.8), 2.0, 8.0))
        transfer_rate = float(np.clip(rng.normal(9.0 - hourly / 12, 1.0), 1.5, 9.0))
        exits = round(emp * exit_rate / 100, 1)
        transfers = round(emp * transfer_rate / 100, 1)
        openings = round(change / 10 + exits + transfers, 1)
        education = _education(soc)
        label = f"      {title}"
        t110.append([label, soc, "Line item", emp, proj, change, round(pct, 1), round(exit_rate, 1),
                     round(transfer_rate, 1), round(exit_rate + transfer_rate, 1), exits, transfers,
                     round(exits + transfers, 1), openings])  # fmt: skip
        t12.append([label, soc, "Line item", emp, proj, openings, int(round(hourly * HOURS_PER_YEAR, -1)), education, "None",
                    _training(soc, education)])  # fmt: skip
        totals += [emp, proj, change, exits, transfers, openings]
    e, p_, c, x, t, o = (round(float(v), 1) for v in totals)
    t110.insert(0, ["Total, all occupations", "00-0000", "Summary", e, p_, c, round(100 * c / e, 1),
                    round(100 * x / e, 1), round(100 * t / e, 1), round(100 * (x + t) / e, 1), x, t,
                    round(x + t, 1), o])  # fmt: skip
    t12.insert(0, ["Total, all occupations", "00-0000", "Summary", e, p_, o, "—", "—", "—", "—"])
    return t12, t110


def _write_projections(seed: int, base: int, path: Path) -> None:
    """A synthetic national projections workbook in the BLS ``occupation.xlsx`` layout (Tables 1.2, 1.10)."""
    import openpyxl

    end = base + 10
    span = f"{base}–{str(end)[-2:]}"
    t12, t110 = _projections_rows(seed, base)
    title_12 = (
        f"Table 1.2 Occupational projections, {base}–{end}, and worker characteristics, {base} "
        "(Employment in thousands) -- SYNTHETIC demo data"
    )
    title_110 = (
        f"Table 1.10 Occupational separations and openings, projected {span} (Employment in thousands) "
        "-- SYNTHETIC demo data"
    )
    head_12 = [
        f"{base} National Employment Matrix title", f"{base} National Employment Matrix code", "Occupation type",
        f"Employment, {base}", f"Employment, {end}", f"Occupational openings, {span} annual average",
        f"Median annual wage, dollars, {base}[1]", "Typical education needed for entry",
        "Work experience in a related occupation",
        "Typical on-the-job training needed to attain competency in the occupation",
    ]  # fmt: skip
    head_110 = [
        f"{base} National Employment Matrix title", f"{base} National Employment Matrix code", "Occupation type",
        f"Employment, {base}", f"Employment, {end}", f"Employment change, numeric, {span}",
        f"Employment change, percent, {span}", f"Labor force exit rate, {span} annual average",
        f"Occupational transfer rate, {span} annual average",
        f"Total occupational separations rate, {span} annual average",
        f"Labor force exits, {span} annual average", f"Occupational transfers, {span} annual average",
        f"Total occupational separations, {span} annual average", f"Occupational openings, {span} annual average",
    ]  # fmt: skip
    source = f"Source: SYNTHETIC {TITLE} demo data in the layout of the BLS Employment Projections tables"
    book = openpyxl.Workbook()
    book.remove(book.active)
    index = book.create_sheet("Index")
    for line in ("Occupation.xlsx contents", title_12, title_110):
        index.append([line])
    for name, title, head, rows in (
        ("Table 1.2", title_12, head_12, t12),
        ("Table 1.10", title_110, head_110, t110),
    ):
        ws = book.create_sheet(name)
        ws.append([title])
        ws.append(head)
        for row in rows:
            ws.append(row)
        ws.append([source])
    buf = io.BytesIO()
    book.save(buf)
    path.write_bytes(_stable_zip(buf.getvalue(), base))


# ==========================================================================================================
# Living wage, config, README
# ==========================================================================================================


def _living_wage_table(seed: int, years: list[int]) -> pd.DataFrame:
    rng = _rng(seed, "living_wage")
    last = max(years)
    rows = []
    for fips in COUNTIES:
        region = _REGION_OF[fips]
        base = float(np.clip(_LIVING_1A1C[region.region_id] * rng.lognormal(0, 0.03), 27.6, 34.0))
        for year in years:
            level = base / 1.03 ** (last - year)
            for (adults, children), ratio in _FAMILY_RATIO.items():
                # one earner in every family type: the two-adult rows are MIT's "2 Adults (1 Working)"
                rows.append((year, STATE_FIPS, fips, adults, children, 1, round(level * ratio, 2)))
    columns = ["year", "state", "county", "adults", "children", "earners", "hourly_wage"]
    return pd.DataFrame(rows, columns=columns)


def _config_text(year: int) -> str:
    return f"""\
# Demo run: synthetic "Demo State" data on Oregon county boundaries. Every figure is invented.
run: demo
title: {TITLE}
synthetic: true
year: {year}
state_fips: "{STATE_FIPS}"
framework: "2024"
preset: default
supply_measure: completers
inputs:
  enrollment: enrollment.csv
  qcew: qcew/*.csv
  qcew_base_area: US000
  oews: oews/all_data_M{year}.xlsx
  living_wage: living_wage.csv
  projections: projections/occupation.xlsx
  regions: regions.csv
family_wage:
  source: living_wage
  adults: 1
  children: 1
"""


def _readme_text(seed: int, years: list[int]) -> str:
    first, last = years[0], years[-1]
    regions = "\n".join(f"  - {r.name} (`{r.region_id}`): {', '.join(r.counties)}" for r in REGIONS)
    return f"""\
# {TITLE} — synthetic demo data

**Every figure in this folder is invented.** These files were generated by `alignment demo`
(`alignment.demo.generate_demo`, seed {seed}, years {first}–{last}); the same seed gives byte-identical files.
They follow the real publishers' file layouts so the whole pipeline can run on them, but they are not
official statistics and must not be cited as such.

The geography is real — the 36 counties of Oregon (state FIPS `{STATE_FIPS}`), so maps can draw real Census
county boundaries — but the six regions are invented groupings, and so are every school district, college,
program count, employment level, wage and living-wage figure:

{regions}

Files:

- `config.yml`: the run configuration (`alignment run config.yml`); its paths are relative to it.
- `regions.csv`: county → invented region, with one synthetic OEWS area code per region (`4100001`…).
- `enrollment.csv`: a state CTE extract layout (school year, district or college, county, program, CIP,
  level, enrolled, concentrators, completers). On purpose it holds small programs (counts under 10), a few
  `*` suppressed cells, messy CIP forms (`="01.0000"`, `1.0`, `513801`) and one program without a CIP
  (`CIP TBD`).
- `qcew/*.csv`: the BLS QCEW annual "CSVs by area" layout, one file per area × year: every county,
  `{STATE_FIPS}000 {STATE_NAME} -- Statewide` and `US000 U.S. TOTAL` (the location-quotient base);
  ownerships 0/1/2/3/5, NAICS sectors and 3-digit subsectors; small cells suppressed as BLS does (`N`,
  values written as 0).
- `oews/all_data_M{last}.xlsx`: the BLS OEWS all-data layout: cross-industry wages for the nation, the state
  and each invented region, for all occupations and every occupation linked to a CTE program in the project's
  CIP→SOC table, with `*`, `**` and `#` markers.
- `living_wage.csv`: invented hourly living wages by county and family type (1 adult, or 2 adults with one
  working, column `earners`; 0–3 children).
- `projections/occupation.xlsx`: national occupational projections for the next ten years in the layout of
  the BLS Employment Projections workbook (Table 1.2 with education and training, Table 1.10 with exits,
  transfers and openings, in thousands); invented figures for the demo's occupations.

Supply and demand differ on purpose so the flags have something to say: the South region is heavy in
cosmetology with thin personal-care employment, the Valley is a manufacturing region with no welding program,
the Coast has tourism demand and almost no hospitality programs, Central has a construction boom with few
construction programs, and the East has freight demand but no truck-driving program.
"""


# ==========================================================================================================
# The public entry point
# ==========================================================================================================


def generate_demo(
    out_dir: Path, *, seed: int = 2024, years: Iterable[int] = (2022, 2023, 2024)
) -> dict[str, Path]:
    """Write the synthetic Demo State into ``out_dir`` (normally ``data/raw/demo``) and return the paths.

    The folder is built beside ``out_dir`` and swapped in at the end, so a reader never sees half a data set
    and a failed run leaves the previous one in place. Returned keys: ``config``, ``regions``, ``enrollment``,
    ``qcew`` (the folder of by-area CSVs), ``oews``, ``living_wage``, ``projections``, ``readme``.
    """
    out_dir = Path(out_dir)
    years = sorted({int(y) for y in years})
    if not years:
        raise ValueError("years must name at least one year")
    last = years[-1]
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    names = {
        "config": Path("config.yml"),
        "regions": Path("regions.csv"),
        "enrollment": Path("enrollment.csv"),
        "qcew": Path("qcew"),
        "oews": Path("oews") / f"all_data_M{last}.xlsx",
        "living_wage": Path("living_wage.csv"),
        "projections": Path("projections") / "occupation.xlsx",
        "readme": Path("README.md"),
    }
    earlier_demo = out_dir.is_dir() and {p.name for p in out_dir.iterdir()} <= {
        *(str(rel.parts[0]) for rel in names.values()),
        MARKER,
    }
    if (out_dir.exists() or out_dir.is_symlink()) and not (is_owned(out_dir) or earlier_demo):
        found = ", ".join(foreign_entries(out_dir)[:5])
        raise FolderError(
            f"{out_dir} already holds files the demo did not write ({found}); choose a new or empty "
            "folder for the demo's input files (--data-dir). Nothing was written."
        )
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    mark(tmp, "demo input files")
    try:
        _regions_table().to_csv(tmp / names["regions"], index=False, lineterminator="\n")
        _write_enrollment(_enrollment_table(seed, years), tmp / names["enrollment"])
        qcew = _qcew_table(seed, years)
        _write_qcew(qcew, tmp / names["qcew"])
        (tmp / "oews").mkdir()
        _write_oews(_oews_table(seed, last, qcew), tmp / names["oews"], last)
        _living_wage_table(seed, years).to_csv(tmp / names["living_wage"], index=False, lineterminator="\n")
        (tmp / "projections").mkdir()
        _write_projections(seed, last, tmp / names["projections"])
        (tmp / names["config"]).write_text(_config_text(last), encoding="utf-8", newline="\n")
        (tmp / names["readme"]).write_text(_readme_text(seed, years), encoding="utf-8", newline="\n")
        tmp.chmod(0o755)
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {key: out_dir / rel for key, rel in names.items()}

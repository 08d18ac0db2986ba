"""Suggest CIP 2020 codes for program titles, and let the user accept them in a mapping file.

Enrollment rows whose CIP code is missing, cannot be read, or is not a CIP 2020 code cannot be
placed in a Career Cluster. :func:`suggest_for_enrollment` proposes the closest CIP 2020 codes from
each row's program name; :func:`write_mapping_template` writes them to a CSV the user edits, and
:func:`read_accepted_mapping` reads back only the lines the user accepted. A suggestion is never
applied unless it is accepted.

How a title is scored against a CIP code (:class:`CipSuggester`):

* text is lower-cased, ``&`` becomes ``and`` and a few abbreviations common in CTE program names are
  spelled out (:data:`ABBREVIATIONS`: ``auto`` → ``automotive``, ``HVAC`` → ``heating ventilation air
  conditioning``, ``CNA`` → ``certified nursing assistant`` ...);
* each 6-digit current CIP code has several *names*: its title, the parts of the title NCES joins
  with ``/`` (``Welding Technology/Welder`` → ``Welding Technology``, ``Welder``; a part that is one
  generic word such as ``Technician`` is not a name on its own) and NCES's example program names;
* names and definitions are turned into TF-IDF vectors of character 3- to 5-grams within words
  (scikit-learn ``TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)``), so
  plurals, word endings and small misspellings still match;
* ``score = 0.8 × (best cosine over the code's names) + 0.2 × (cosine with its definition)``, times
  0.95 for a catch-all ``..., Other`` code (``NN.NN99``) so a specific code wins a tie. Both cosines
  are in [0, 1], so the score is too; a title that is one of the code's names scores at least 0.8.

Scoring is a sparse matrix product, chunked: 10,000 distinct titles take about a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import write_text
from .codes import normalize_cip
from .errors import InputError, Problem
from .sources._tabular import as_text, match_columns, read_raw

__all__ = [
    "ABBREVIATIONS",
    "ACCEPT_WORDS",
    "MAPPING_COLUMNS",
    "SUGGESTION_COLUMNS",
    "CipSuggester",
    "read_accepted_mapping",
    "suggest_for_enrollment",
    "write_mapping_template",
]

#: Abbreviations spelled out in titles before scoring (whole words, case ignored).
ABBREVIATIONS: dict[str, str] = {
    "auto": "automotive",
    "ag": "agricultural",
    "agri": "agricultural",
    "hvac": "heating ventilation air conditioning",
    "hvacr": "heating ventilation air conditioning refrigeration",
    "cna": "certified nursing assistant",
    "lpn": "licensed practical nurse",
    "rn": "registered nurse",
    "emt": "emergency medical technician",
    "ems": "emergency medical services",
    "cad": "computer aided drafting design",
    "cnc": "computer numerical control machining",
    "it": "information technology",
    "ece": "early childhood education",
    "mfg": "manufacturing",
    "tech": "technology",
    "med": "medical",
    "vet": "veterinary",
    "ed": "education",
    "elec": "electrical",
    "admin": "administration",
    "mgmt": "management",
    "mgt": "management",
    "comp": "computer",
    "sci": "science",
    "eng": "engineering",
    "engr": "engineering",
}
#: One-word title parts that are not a name on their own (``Welding Technology/Technician``).
GENERIC_PARTS = frozenset(
    [
        "technician",
        "technicians",
        "technologist",
        "technology",
        "aide",
        "assistant",
        "assistants",
        "general",
        "other",
        "worker",
        "workers",
        "specialist",
        "studies",
        "science",
        "sciences",
        "operator",
        "operators",
        "manager",
        "management",
        "services",
    ]
)
#: Values of the ``accept`` column that accept a suggestion (case ignored); empty or these skip it.
ACCEPT_WORDS = ("yes", "y", "true", "1", "x")
SKIP_WORDS = ("", "no", "n", "false", "0")

SUGGESTION_COLUMNS = [
    "source_file",
    "source_row",
    "program_name",
    "cip_raw",
    "rank",
    "suggested_cip",
    "suggested_title",
    "score",
]
MAPPING_COLUMNS = ["program_name", "cip_raw", "rank", "suggested_cip", "suggested_title", "score", "accept"]

NAME_WEIGHT = 0.8
DEFINITION_WEIGHT = 0.2
OTHER_FACTOR = 0.95
_CHUNK = 2000
_ABBREV = re.compile(r"\b(" + "|".join(map(re.escape, ABBREVIATIONS)) + r")\b")


def prepare_text(text: object) -> str:
    """Text as scored: lower case, ``&`` → ``and``, abbreviations spelled out, punctuation as spaces.

    >>> prepare_text("Auto Tech & HVAC")
    'automotive technology and heating ventilation air conditioning'
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return ""
    s = str(text).lower().replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    s = _ABBREV.sub(lambda m: ABBREVIATIONS[m.group(1)], s)
    return re.sub(r"\s+", " ", s).strip()


def title_names(title: str, examples: object = None) -> list[str]:
    """The names of a CIP code: its title, its ``/``-separated parts (not one generic word) and examples.

    >>> title_names("Welding Technology/Welder", "Arc Welding; Welder")
    ['Welding Technology/Welder', 'Welding Technology', 'Welder', 'Arc Welding']
    >>> title_names("Pharmacy Technician/Assistant")
    ['Pharmacy Technician/Assistant', 'Pharmacy Technician']
    """
    names = [title]
    if "/" in title:
        for part in title.split("/"):
            part = part.strip()
            words = part.lower().split()
            if words and not (len(words) == 1 and words[0] in GENERIC_PARTS):
                names.append(part)
    if isinstance(examples, str):
        names += [e.strip() for e in examples.split(";") if e.strip()]
    return list(dict.fromkeys(names))


class CipSuggester:
    """Closest CIP 2020 codes to program titles, by character n-gram TF-IDF cosine.

    ``cip_list`` is a :func:`alignment.sources.cip.read_cip_list` table, or any table with ``cip`` and
    ``title`` (``definition``, ``examples``, ``cip_level`` and ``current`` are used when present). Only
    current 6-digit codes are suggested, never a ``Reserved`` placeholder.

    >>> cips = pd.DataFrame({"cip": ["48.0508", "51.3902", "47.0604"],
    ...     "title": ["Welding Technology/Welder", "Nursing Assistant/Aide and Patient Care Assistant/Aide",
    ...               "Automobile/Automotive Mechanics Technology/Technician"]})
    >>> CipSuggester(cips).suggest(pd.Series(["welding", "CNA"]), k=1)[["query", "cip"]].values.tolist()
    [['welding', '48.0508'], ['CNA', '51.3902']]
    """

    def __init__(self, cip_list: pd.DataFrame):
        from sklearn.feature_extraction.text import TfidfVectorizer

        missing = [c for c in ("cip", "title") if c not in cip_list.columns]
        if missing:
            raise ValueError(f"the CIP list lacks column(s) {', '.join(missing)} (see read_cip_list)")
        rows = cip_list
        if "current" in rows.columns:
            rows = rows[rows["current"].astype(bool)]
        codes = rows["cip"].astype("string")
        six = codes.str.fullmatch(r"\d{2}\.\d{4}").fillna(False).astype(bool)
        titles = rows["title"].astype("string").str.strip().str.rstrip(".")
        keep = six & titles.notna() & ~titles.str.fullmatch(r"(?i)reserved").fillna(False).astype(bool)
        rows = rows[keep.to_numpy()].drop_duplicates("cip")
        if rows.empty:
            raise ValueError("the CIP list has no current 6-digit code with a title")
        self.cips = rows["cip"].astype(str).to_numpy()
        self.titles = rows["title"].astype(str).str.strip().str.rstrip(".").to_numpy()
        examples = rows["examples"] if "examples" in rows.columns else pd.Series(None, index=rows.index)
        definitions = (
            rows["definition"].fillna("").astype(str)
            if "definition" in rows.columns
            else pd.Series("", index=rows.index)
        )
        names, owner = [], []
        for i, (title, ex) in enumerate(zip(self.titles, examples.astype(object), strict=True)):
            for name in title_names(title, ex if isinstance(ex, str) else None):
                names.append(prepare_text(name))
                owner.append(i)
        self._starts = np.searchsorted(np.asarray(owner), np.arange(len(self.cips)))
        options = {"analyzer": "char_wb", "ngram_range": (3, 5), "sublinear_tf": True, "dtype": np.float32}
        self._name_vec = TfidfVectorizer(**options)
        self._names = self._name_vec.fit_transform(names).T.tocsr()
        self._has_definitions = bool(definitions.str.strip().ne("").any())
        if self._has_definitions:
            self._def_vec = TfidfVectorizer(**options, max_df=0.5)
            self._defs = self._def_vec.fit_transform([prepare_text(d) for d in definitions]).T.tocsr()
        self._factor = np.where(pd.Series(self.cips).str.endswith("99").to_numpy(), OTHER_FACTOR, 1.0)

    def scores(self, titles: Iterable[object]) -> np.ndarray:
        """A dense ``len(titles) × len(codes)`` array of scores in [0, 1] (codes in ``self.cips`` order)."""
        texts = [prepare_text(t) for t in titles]
        q = self._name_vec.transform(texts)
        by_name = (q @ self._names).toarray()
        best = np.maximum.reduceat(by_name, self._starts, axis=1)  # names are grouped by code
        if self._has_definitions:
            by_def = (self._def_vec.transform(texts) @ self._defs).toarray()
            best = NAME_WEIGHT * best + DEFINITION_WEIGHT * by_def
        return np.clip(best * self._factor, 0.0, 1.0)

    def suggest(self, titles: pd.Series | Iterable[object], k: int = 3) -> pd.DataFrame:
        """The ``k`` best codes for each distinct non-empty title, in order of first appearance.

        Columns: ``query`` (the title as given), ``rank`` (1 = best), ``cip``, ``title``, ``score``
        (rounded to 4 decimals; ties keep CIP order).
        """
        values = pd.Series(list(titles) if not isinstance(titles, pd.Series) else titles, dtype="object")
        queries = [q for q in pd.unique(values.dropna()) if prepare_text(q)]
        k = max(1, min(int(k), len(self.cips)))
        parts = []
        for start in range(0, len(queries), _CHUNK):
            chunk = queries[start : start + _CHUNK]
            s = self.scores(chunk)
            top = (
                np.argpartition(-s, k - 1, axis=1)[:, :k]
                if k < s.shape[1]
                else np.tile(np.arange(s.shape[1]), (len(chunk), 1))
            )
            top_scores = np.take_along_axis(s, top, axis=1)
            order = np.lexsort((top, -top_scores), axis=1)
            top = np.take_along_axis(top, order, axis=1)
            top_scores = np.take_along_axis(top_scores, order, axis=1)
            parts.append(
                pd.DataFrame(
                    {
                        "query": np.repeat(np.asarray(chunk, dtype=object), k),
                        "rank": np.tile(np.arange(1, k + 1), len(chunk)),
                        "cip": self.cips[top.ravel()],
                        "title": self.titles[top.ravel()],
                        "score": np.round(top_scores.ravel().astype(float), 4),
                    }
                )
            )
        if not parts:
            return pd.DataFrame(
                {
                    "query": pd.Series(dtype="string"),
                    "rank": pd.Series(dtype="int64"),
                    "cip": pd.Series(dtype="string"),
                    "title": pd.Series(dtype="string"),
                    "score": pd.Series(dtype="float64"),
                }
            )
        out = pd.concat(parts, ignore_index=True)
        return out.astype({"query": "string", "rank": "int64", "cip": "string", "title": "string"})


def _current_codes(cip_list: pd.DataFrame) -> set[str]:
    rows = cip_list
    if "current" in rows.columns:
        rows = rows[rows["current"].astype(bool)]
    return set(rows["cip"].dropna().astype(str))


def suggest_for_enrollment(
    enrollment: pd.DataFrame, cip_list: pd.DataFrame | CipSuggester, k: int = 3
) -> pd.DataFrame:
    """CIP suggestions for the enrollment rows whose ``cip`` is ``<NA>`` or not a current CIP 2020 code.

    Columns (:data:`SUGGESTION_COLUMNS`): ``source_file``, ``source_row``, ``program_name``, ``cip_raw``,
    ``rank``, ``suggested_cip``, ``suggested_title``, ``score`` — ``k`` lines per row, by rank; a row
    without a program name gets one line with empty suggestion (``rank`` ``<NA>``) so it is still listed.
    ``cip_list`` is a CIP list table or an already built :class:`CipSuggester`.
    """
    suggester = cip_list if isinstance(cip_list, CipSuggester) else CipSuggester(cip_list)
    known = set(suggester.cips) if isinstance(cip_list, CipSuggester) else _current_codes(cip_list)
    cip = enrollment["cip"].astype("string")
    need = enrollment[(cip.isna() | ~cip.isin(known)).to_numpy()]

    def col(name: str, dtype: str) -> pd.Series:
        if name in need.columns:
            return need[name].astype(dtype)
        return pd.Series(pd.NA, index=need.index, dtype=dtype)

    rows = pd.DataFrame(
        {
            "source_file": col("source_file", "string"),
            "source_row": col("source_row", "Int64"),
            "program_name": col("program_name", "string"),
            "cip_raw": col("cip_raw", "string"),
        }
    ).reset_index(drop=True)
    rows["_order"] = np.arange(len(rows))
    found = suggester.suggest(rows["program_name"], k=k).rename(
        columns={"query": "program_name", "cip": "suggested_cip", "title": "suggested_title"}
    )
    out = rows.merge(found, on="program_name", how="left", sort=False)
    out = out.sort_values(["_order", "rank"], kind="stable", na_position="first").drop(columns="_order")
    out = out.astype(
        {"rank": "Int64", "suggested_cip": "string", "suggested_title": "string", "score": "Float64"}
    )
    return out[SUGGESTION_COLUMNS].reset_index(drop=True)


def write_mapping_template(suggestions: pd.DataFrame, path: str | Path) -> Path:
    """Write the CSV the user edits: one line per program name × raw CIP × suggestion.

    Columns (:data:`MAPPING_COLUMNS`): ``program_name``, ``cip_raw``, ``rank``, ``suggested_cip``,
    ``suggested_title``, ``score``, ``accept`` (empty). The user writes ``yes`` (or ``y``, ``true``,
    ``1``, ``x``) in ``accept`` on the line to use, and may type another code in ``suggested_cip``.
    Written atomically (UTF-8); returns the path.
    """
    missing = [c for c in ("program_name", "cip_raw", "suggested_cip") if c not in suggestions.columns]
    if missing:
        raise ValueError(f"the suggestions lack column(s) {', '.join(missing)} (see suggest_for_enrollment)")
    table = suggestions.copy()
    for name in MAPPING_COLUMNS:
        if name not in table.columns:
            table[name] = pd.NA
    table = table[MAPPING_COLUMNS].drop_duplicates(["program_name", "cip_raw", "rank", "suggested_cip"])
    table["accept"] = ""
    return write_text(path, table.to_csv(index=False, lineterminator="\n"))


_MAPPING_ALIASES: dict[str, tuple[str, ...]] = {
    "program_name": ("program", "program_title"),
    "cip_raw": ("cip", "cip_code"),
    "suggested_cip": ("suggested_code", "cip_2020", "new_cip"),
    "accept": ("accepted", "use"),
}


def read_accepted_mapping(path: str | Path, cip_list: pd.DataFrame | None = None) -> pd.DataFrame:
    """The accepted lines of a mapping file written by :func:`write_mapping_template` (and edited).

    Returns ``program_name``, ``cip_raw``, ``cip`` (the accepted code, ``NN.NNNN``), ``source_file``,
    ``source_row``: only lines whose ``accept`` is one of :data:`ACCEPT_WORDS` (case ignored). An
    ``accept`` cell that is neither a yes word nor empty/``no``, an accepted line without a valid CIP
    code (or, with ``cip_list``, a code that is not a current CIP 2020 code), and two accepted lines
    giving one program name × raw code different codes are problems, all raised at once.
    """
    table = read_raw(path, hints=[h for k, v in _MAPPING_ALIASES.items() for h in (k, *v)])
    found, problems = match_columns(table, _MAPPING_ALIASES, ["program_name", "suggested_cip", "accept"])
    if problems:
        raise InputError(
            [Problem(p.file, p.row, p.column, f"{p.message} (CIP mapping file layout)") for p in problems]
        )
    raw, rows, file = table.frame, table.rows, table.file
    accept = as_text(raw[found["accept"]]).str.lower().fillna("")
    yes = accept.isin(ACCEPT_WORDS)
    bad = ~yes & ~accept.isin(SKIP_WORDS)
    for i in np.flatnonzero(bad.to_numpy()):
        msg = (
            f"expected yes (or {', '.join(ACCEPT_WORDS[1:])}) to accept the line, or empty / no to skip it, "
            f"got {raw[found['accept']].iat[i]!r}"
        )
        problems.append(Problem(file, int(rows.iat[i]), found["accept"], msg))
    written = as_text(raw[found["suggested_cip"]])
    cip = pd.Series([normalize_cip(v) for v in written], index=raw.index, dtype="string")
    known = _current_codes(cip_list) if cip_list is not None else None
    for i in np.flatnonzero(yes.to_numpy()):
        value = written.iat[i]
        if pd.isna(cip.iat[i]):
            got = f"got {value!r}" if pd.notna(value) else "the cell is empty"
            msg = f"the line is accepted but has no valid CIP code: expected NN.NNNN such as 48.0508, {got}"
            problems.append(Problem(file, int(rows.iat[i]), found["suggested_cip"], msg))
        elif known is not None and cip.iat[i] not in known:
            msg = f"the line is accepted but {cip.iat[i]} is not a current CIP 2020 code"
            problems.append(Problem(file, int(rows.iat[i]), found["suggested_cip"], msg))
    out = pd.DataFrame(
        {
            "program_name": as_text(raw[found["program_name"]]),
            "cip_raw": as_text(raw[found["cip_raw"]])
            if "cip_raw" in found
            else pd.Series(pd.NA, index=raw.index, dtype="string"),
            "cip": cip,
            "source_file": pd.Series(file, index=raw.index, dtype="string"),
            "source_row": rows.astype("int64"),
        }
    )[yes.to_numpy()]
    key = out["program_name"].fillna("") + "\x00" + out["cip_raw"].fillna("")
    for _, group in out[out["cip"].notna()].groupby(key[out["cip"].notna()], sort=False):
        codes = group["cip"].unique()
        if len(codes) > 1:
            name = group["program_name"].iat[0]
            msg = (
                f"program {name!r} (CIP as written {group['cip_raw'].iat[0]!r}) is accepted with "
                f"{len(codes)} different codes ({', '.join(codes)}) on rows "
                f"{', '.join(map(str, group['source_row']))}: accept one"
            )
            problems.append(Problem(file, int(group["source_row"].iat[1]), found["accept"], msg))
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise InputError(problems)
    out = out.drop_duplicates(["program_name", "cip_raw", "cip"])
    return out.reset_index(drop=True)

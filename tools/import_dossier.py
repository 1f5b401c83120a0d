"""One-off importer: evidence dossier -> the hand-curated raw layer `data/raw/`.

This script was run once to create `data/raw/` from the read-only evidence dossier in
`../shared/evidence` (relative to the repository root). From then on `data/raw/` is curated by
hand; the build never runs this script and never reads the dossier.

It copies values; it never invents them. Every value comes from the dossier unchanged, missing
stays missing. The only hand-written part is `BACKGROUND` below: the numbers stated in the prose
file `background.md`, one row each. The script checks that every number token of every bullet is
either recorded exactly once or skipped with a stated reason (part of a name, grade label,
publication year, repeat), so nothing is added and nothing is lost.

Dossier versions: where `<dossier>/v2/` holds a file, it supersedes the file of the same name one
folder up (`latest()`). v2 brings a locator per background citation (`[id; locator: ...]`), new
mediator and source rows, and notes marking weak mediator rows as `superseded by
mediator|form|value|source_id`; the importer turns those into the `superseded_by` column (row ids).
Re-running it must change only what the dossier changed: existing row ids keep their rows (checked
against the tables under `--root`), new rows get new ids, retired ids (`RETIRED_ROW_IDS`) are
never reused.

Usage (from the repository root):

    .venv/bin/python tools/import_dossier.py [--dossier ../shared/evidence] [--root .]
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOSSIER = ROOT.parent / "shared" / "evidence"

INSTITUTIONAL_CASES = {"zhang2025-inst"}
# Dossier case facts that describe the publication, not a case: written under `source_facts:`
# (issue 10 of the extraction contract; fact id <source_id>.<field>).
SOURCE_LEVEL_FACTS = {"n_institutional_cases", "n_literature_cases_reviewed", "review_scope"}
CASE_KEYS = {
    "case_id",
    "source_id",
    "context",
    "kind",
    "n",
    "modalities",
    "access",
    "facts",
    "measurements",
    "not_reported",
    "note",
}
FACT_KEYS = {"value", "unit", "locator", "flag", "as_printed", "note"}
MEASUREMENT_KEYS = {
    "analyte",
    "value",
    "qualifier",
    "unit",
    "day_post_infusion",
    "relation",
    "group",
    "specimen",
    "locator",
    "flag",
    "as_printed",
    "note",
}
SOURCE_COLUMNS = ["source_id", "type", "access", "url_seen", "quality", "biblio_unverified", "note"]
PERSON_RE = re.compile(r"^(?P<family>.+\S)\s+(?P<given>[A-Z]{1,4})$")
URL_RE = re.compile(r"https?://\S+")
QUALIFIERS = ["<", "<=", "=", ">", ">=", "~"]
FLAGS = ["computed", "seen", "unverified"]
EXTRA_RELATIONS = ["during-purification", "post-purification", "pre-purification", "unknown"]
# Row ids that were deleted from a reference table; a new row must never take one of them
# (fact ids and ledger keys point at row ids). Empty so far: no row has been deleted.
RETIRED_ROW_IDS: frozenset[str] = frozenset()
DOSSIER_VERSIONS = ("v2",)  # newest last; a file in a later folder supersedes the earlier ones
# A superseding-row reference inside a mediators.csv note: mediator|form|value|source_id.
SUPERSEDED_RE = re.compile(r"\[dossier_v2\] superseded by (?P<refs>[^[]*)")
REF_RE = re.compile(
    r"(?:^|\band )(?P<mediator>[^|()]+(?:\([^|()]*\))?)\|(?P<form>[^|]+)\|(?P<value>[^|\s]+)\|(?P<source>[a-z0-9]+)"
)


# --------------------------------------------------------------------------------------------
# small helpers


def slug(text: str) -> str:
    """Lowercase ASCII; every run of other characters becomes one '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def latest(dossier: Path, name: str) -> Path:
    """The newest version of a dossier file: `v2/<name>` supersedes `<name>`."""
    for version in reversed(DOSSIER_VERSIONS):
        if (dossier / version / name).is_file():
            return dossier / version / name
    return dossier / name


def unique_ids(bases: list[str]) -> list[str]:
    """Append -2, -3, ... to repeated ids, in order (the first keeps the bare id).

    Retired ids are skipped, so a new row never takes the id of a deleted one.
    """
    seen: collections.Counter[str] = collections.Counter()
    out = []
    for base in bases:
        seen[base] += 1
        rid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        while rid in RETIRED_ROW_IDS:
            seen[base] += 1
            rid = f"{base}-{seen[base]}"
        out.append(rid)
    if len(set(out)) != len(out):
        raise SystemExit(
            f"row ids still collide: {sorted(k for k, v in collections.Counter(out).items() if v > 1)}"
        )
    return out


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def csv_text(columns: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return buf.getvalue()


def write(path: Path, text: str) -> None:
    if not text.endswith("\n"):
        text += "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


# --------------------------------------------------------------------------------------------
# references.json (CSL-JSON) and sources.csv


def csl_names(authors: str, source_id: str) -> list[dict[str, str]]:
    """'Ahmed S; Kaplan A' -> [{'family': 'Ahmed', 'given': 'S'}, ...].

    A name is a person when it reads 'Family Initials'. Two lists in the dossier spell full names
    instead ('Jiasi Zhang', 'Zhu Qiujiao'); their order is read from the source id, which starts
    with the first author's family name. Anything else (vendors, groups, 'et al.') is a literal.
    """
    names = [a.strip() for a in authors.split(";") if a.strip()]
    order = None
    first = names[0].split() if names else []
    if len(first) == 2 and not PERSON_RE.match(names[0]):
        if source_id.startswith(first[1].lower()) and not source_id.startswith(first[0].lower()):
            order = "given-family"
        elif source_id.startswith(first[0].lower()) and not source_id.startswith(first[1].lower()):
            order = "family-given"
    out = []
    for name in names:
        tokens = name.split()
        if m := PERSON_RE.match(name):
            out.append({"family": m["family"], "given": m["given"]})
        elif order and len(tokens) == 2 and all(t[:1].isupper() and t[1:].islower() for t in tokens):
            family, given = (tokens[1], tokens[0]) if order == "given-family" else (tokens[0], tokens[1])
            out.append({"family": family, "given": given})
        else:
            out.append({"literal": name})
    return out


def csl_type(row: dict[str, str], url: str | None) -> str:
    kind = row["type"]
    if kind == "textbook":
        return "book"
    if kind == "preprint":
        return "article"
    if kind == "conference-abstract":
        return "paper-conference"
    if kind in ("vendor", "database"):
        return "webpage"
    if row["journal"]:
        return "article-journal"
    return "webpage" if url else "document"


def first_url(url_seen: str) -> str | None:
    """The first complete URL: a ' | ' part that is one URL, else a URL inside a part.

    Parts marked as truncated ('...') are not URLs anyone can follow, so they are skipped.
    """
    parts = [p.strip() for p in url_seen.split(" | ") if p.strip()]
    for part in parts:
        if re.fullmatch(r"https?://\S+", part) and "..." not in part:
            return part
    for part in parts:
        for m in URL_RE.finditer(part):
            if "..." not in m.group(0):
                return m.group(0)
    return None


def csl_item(row: dict[str, str], report: dict) -> dict:
    sid = row["source_id"]
    url = first_url(row["url_seen"])
    first_part = row["url_seen"].split(" | ")[0].strip()
    if row["url_seen"] and url != first_part:
        report["url_not_first_part"].append(f"{sid}: {url or '(none)'}")
    item: dict = {"id": sid, "type": csl_type(row, url)}
    if row["title"]:
        item["title"] = row["title"]
    else:
        report["no_title"].append(sid)
    if row["authors"]:
        item["author"] = csl_names(row["authors"], sid)
    if row["year"]:
        item["issued"] = {"date-parts": [[int(row["year"])]]}
    for src, dst in (
        ("journal", "container-title"),
        ("volume", "volume"),
        ("issue", "issue"),
        ("pages", "page"),
        ("doi", "DOI"),
        ("pmid", "PMID"),
        ("pmcid", "PMCID"),
    ):
        if row[src]:
            item[dst] = row[src]
    if url:
        item["URL"] = url
    return item


# --------------------------------------------------------------------------------------------
# extractions


def extraction_doc(source_id: str, cases: list[dict]) -> dict:
    out_cases = []
    source_facts: dict = {}
    for case in cases:
        unknown = set(case) - CASE_KEYS
        if unknown:
            raise SystemExit(f"{case['case_id']}: unknown case keys {sorted(unknown)}")
        new: dict = {"case_id": case["case_id"], "kind": case["kind"]}
        if "n" in case:
            new["n"] = case["n"]
        new["context"] = case["context"]
        new["origin"] = "institutional" if case["case_id"] in INSTITUTIONAL_CASES else "literature"
        new["modalities"] = list(case["modalities"])
        new["access"] = case["access"]
        if "note" in case:
            new["note"] = case["note"]
        facts = {}
        for name, fact in case["facts"].items():
            if set(fact) - FACT_KEYS:
                raise SystemExit(
                    f"{case['case_id']}.{name}: unknown fact keys {sorted(set(fact) - FACT_KEYS)}"
                )
            (source_facts if name in SOURCE_LEVEL_FACTS else facts)[name] = dict(fact)
        new["facts"] = facts
        measurements = []
        for k, meas in enumerate(case["measurements"], start=1):
            if set(meas) - MEASUREMENT_KEYS:
                raise SystemExit(
                    f"{case['case_id']} m{k}: unknown keys {sorted(set(meas) - MEASUREMENT_KEYS)}"
                )
            measurements.append({"id": f"m{k}", **meas})
        new["measurements"] = measurements
        new["not_reported"] = list(case["not_reported"])
        out_cases.append(new)
    doc: dict = {"source_id": source_id}
    if source_facts:
        doc["source_facts"] = source_facts
    return {**doc, "cases": out_cases}


def extraction_text(doc: dict) -> str:
    header = (
        f"# Extraction from {doc['source_id']}. Values copied from the evidence dossier; "
        "see data/README.md.\n"
    )
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


# --------------------------------------------------------------------------------------------
# reference tables


def reference_rows(
    name: str, columns: list[str], rows: list[dict[str, str]], sources: dict[str, dict], report: dict
) -> tuple[list[str], list[dict[str, str]]]:
    if name == "mediators":
        prefix, parts = "mw", lambda r: [r["mediator"], r["form"], r["source_id"]]
    elif name == "purification_methods":
        prefix, parts = "pm", lambda r: [r["modality"], r["property"], r["mediator"], r["source_id"]]
    else:
        prefix, parts = "sc", lambda r: [r["syndrome"], r["analyte"], r["statistic"], r["source_id"]]
    ids = unique_ids(["-".join([prefix, *(slug(p) for p in parts(r) if slug(p))]) for r in rows])
    out_cols = ["row_id", *columns]
    out = [{"row_id": rid, **row} for rid, row in zip(ids, rows, strict=True)]
    if name == "mediators":
        out_cols = ["flag" if c == "basis" else c for c in out_cols]
        for row in out:
            row["flag"] = row.pop("basis")
        mismatches = [
            f"{r['row_id']}: {r['quality']} vs {sources[r['source_id']]['quality']}"
            for r in out
            if r["quality"] != sources[r["source_id"]]["quality"]
        ]
        report["mediator_quality_mismatches"] = mismatches
        if not mismatches:
            out_cols.remove("quality")
            for row in out:
                del row["quality"]
        out_cols.append("superseded_by")
        for row in out:
            row["superseded_by"] = "; ".join(superseding_ids(row, out))
    return out_cols, out


ID_PARTS = {
    "mediators": ("mediator", "form", "source_id", "mw_kda", "mw_kda_low", "mw_kda_high"),
    "purification_methods": ("modality", "property", "mediator", "source_id", "value", "lower", "upper"),
    "syndrome_cytokines": ("syndrome", "analyte", "statistic", "source_id", "value", "lower", "upper"),
}


def superseding_ids(row: dict[str, str], rows: list[dict[str, str]]) -> list[str]:
    """Row ids named by a `[dossier_v2] superseded by mediator|form|value|source_id ...` note.

    Each reference must match exactly one row (same mediator, form and source; value equal to
    `mw_kda` or to `mw_kda_low-mw_kda_high`), else the import stops: a marker is never dropped.
    """
    m = SUPERSEDED_RE.search(row["note"])
    if not m:
        return []
    out = []
    for ref in REF_RE.finditer(m["refs"]):
        med, form, value, source = (ref[k].strip() for k in ("mediator", "form", "value", "source"))
        hits = [
            r["row_id"]
            for r in rows
            if (r["mediator"], r["form"], r["source_id"]) == (med, form, source)
            and value in (r["mw_kda"], f"{r['mw_kda_low']}-{r['mw_kda_high']}")
        ]
        if len(hits) != 1:
            raise SystemExit(f"{row['row_id']}: superseding row {ref.group(0)!r} matches {hits}")
        out.append(hits[0])
    if not out:
        raise SystemExit(f"{row['row_id']}: 'superseded by' note names no row: {m['refs']!r}")
    return out


def check_stable_ids(name: str, rows: list[dict[str, str]], current: Path) -> list[str]:
    """Rows of the table already in data/raw keep their ids; returns the ids that are new.

    An id that disappears or now names another row would silently re-point fact ids and ledger
    keys, so both stop the import.
    """
    if not current.is_file():
        return [r["row_id"] for r in rows]
    _, old_rows = read_csv(current)
    new_by_id = {r["row_id"]: r for r in rows}
    for old in old_rows:
        new = new_by_id.get(old["row_id"])
        if new is None:
            raise SystemExit(f"{current}: row {old['row_id']} would disappear (retire it on purpose)")
        cols = [c for c in ID_PARTS.get(name, ()) if c in old]
        if any(old[c] != new[c] for c in cols):
            raise SystemExit(f"{current}: row id {old['row_id']} would name a different row")
    old_ids = {r["row_id"] for r in old_rows}
    return [r["row_id"] for r in rows if r["row_id"] not in old_ids]


# --------------------------------------------------------------------------------------------
# background.md: every number, one row each (hand-written; checked against the text)


@dataclass
class Row:
    statement: str
    quantity: str
    value: str
    unit: str = ""
    qualifier: str = ""
    source: str = ""  # default: the bullet's single (or first) source id
    flag: str = ""  # default: the bullet's tag for that source
    note: str = ""
    # Where in the source, for a source the bullet does not tag (so has no v2 locator); copied
    # from the dossier row that holds the same value.
    locator: str = ""


@dataclass
class Bullet:
    key: str  # a text fragment that occurs in exactly one bullet
    rows: list[Row] = field(default_factory=list)
    skip: list[tuple[str, str]] = field(default_factory=list)  # (number as printed, reason)


GRADE = "grade label (category name, not a result)"
CI95 = "confidence level of the interval (label)"

# Tokens that are parts of names, removed before numbers are counted.
NAME_PATTERNS = [
    r"CD19-28z",
    r"KTE-C19",
    r"CTL019",
    r"COVID-19",
    r"sIL-6R",
    r"IL-\d+[A-Za-z]*",
    r"CD\d+",
    r"H\dN\d",
    r"sgp130",
    r"CCL2",
    r"CXCL10",
    r"IP-10",
    r"MCP-1",
    r"R2",
    r"EMiC2",
    r"AN69",
    r"angiopoietin-2",
    r"C3",
]
NAME_RE = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(NAME_PATTERNS) + r")(?![A-Za-z0-9])")
NUMBER_TOKEN_RE = re.compile(r"(?<![\w.,])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
# `[id]`, `[id; computed]`, `[id; unverified]`; v2 adds `; locator: <where in the source>`.
TAG_RE = re.compile(r"\[([a-z0-9]+)(?:; (computed|unverified))?(?:; locator: ([^\]]*))?\]")
NO_LOCATOR = ("not applicable", "not recorded")

B, R = Bullet, Row
# fmt: off
BACKGROUND: list[Bullet] = [
    # ## CRS definition and grading
    B("The Penn scale grades CRS", [
        R("the Penn scale was applied to 55 paediatric B-ALL patients given tisagenlecleucel",
          "penn_scale_paediatric_ball_n", "55", "patients"),
        R("and to 42 CLL patients given tisagenlecleucel", "penn_scale_cll_n", "42", "patients"),
    ]),
    B("ASTCT expert meeting (20-21 June 2018)", [
        R("an ASTCT expert meeting on 20-21 June 2018 agreed harmonised CRS and neurotoxicity grades",
          "astct_meeting_day_low", "20", note="day of month (June 2018); range lower bound"),
        R("an ASTCT expert meeting on 20-21 June 2018 agreed harmonised CRS and neurotoxicity grades",
          "astct_meeting_day_high", "21", note="day of month (June 2018); range upper bound"),
        R("an ASTCT expert meeting on 20-21 June 2018 agreed harmonised CRS and neurotoxicity grades",
          "astct_meeting_year", "2018", note="calendar year of the meeting (a result, not a citation year)"),
    ]),
    B("both define severe CRS as grade 3-4", skip=[
        ("2025", "publication year of the review (citation, not a result)"), ("3", GRADE), ("4", GRADE)]),
    B("enrolled patients with Penn class 3-4 CRS", skip=[("3", GRADE), ("4", GRADE)]),
    B("cites ICANS in 30-64% of recipients", [
        R("the Authorea case report cites ICANS in 30-64% of recipients", "icans_percent_low", "30", "%",
          note="range lower bound; figure cited in the case report's introduction"),
        R("the Authorea case report cites ICANS in 30-64% of recipients", "icans_percent_high", "64", "%",
          note="range upper bound; figure cited in the case report's introduction"),
    ]),
    # ## Incidence after CAR-T
    B("Among 133 adults given CD19 CAR-T", [
        R("133 adults were given CD19 CAR-T", "cohort_n", "133", "patients"),
        R("70% developed CRS", "crs_any_percent", "70", "%"),
        R("CRS grade 1 in 26%", "crs_grade1_percent", "26", "%"),
        R("CRS grade 2 in 32%", "crs_grade2_percent", "32", "%"),
        R("CRS grade 3 in 4.5%", "crs_grade3_percent", "4.5", "%"),
        R("CRS grade 4 in 3.8%", "crs_grade4_percent", "3.8", "%"),
        R("CRS grade 5 (fatal) in 3.8%", "crs_grade5_percent", "3.8", "%"),
    ], skip=[("1", GRADE), ("2", GRADE), ("3", GRADE), ("4", GRADE), ("5", GRADE)]),
    B("introduction puts CRS at 50-90%", [
        R("CRS occurs in 50-90% of CAR-T recipients (case report introduction)", "crs_any_percent_low", "50",
          "%", note="range lower bound; figure cited in the case report's introduction"),
        R("CRS occurs in 50-90% of CAR-T recipients (case report introduction)", "crs_any_percent_high", "90",
          "%", note="range upper bound; figure cited in the case report's introduction"),
    ]),
    B("FDA tocilizumab approval summary reports CRS", [
        R("CRS in 50-100% of CAR-T recipients", "crs_any_percent_low", "50", "%",
          note="range lower bound; read only on a scraper copy"),
        R("CRS in 50-100% of CAR-T recipients", "crs_any_percent_high", "100", "%",
          note="range upper bound; read only on a scraper copy"),
        R("severe CRS in 13-48% of CAR-T recipients", "crs_severe_percent_low", "13", "%",
          note="range lower bound; read only on a scraper copy"),
        R("severe CRS in 13-48% of CAR-T recipients", "crs_severe_percent_high", "48", "%",
          note="range upper bound; read only on a scraper copy"),
    ]),
    B("In 352 real-world large B-cell lymphoma patients", [
        R("352 real-world large B-cell lymphoma patients", "cohort_n", "352", "patients"),
        R("262 of them had CRS", "crs_n", "262", "patients"),
        R("262 (74.4%) had CRS", "crs_percent", "74.4", "%"),
        R("a peak ferritin above 5000 ng/mL went with worse progression-free and overall survival",
          "peak_ferritin_threshold", "5000", "ng/mL", ">"),
    ]),
    B("In 475 patients treated with axi-cel", [
        R("475 patients treated with axi-cel, tisa-cel or liso-cel", "cohort_n", "475", "patients"),
        R("treated at 9 centres", "centres_n", "9", "centres"),
        R("no new CRS and 0.7% new ICANS appeared after week 2", "late_onset_window_start_week", "2", "week",
          note="start of the late-onset window (events after week 2)"),
        R("0.7% new ICANS appeared after week 2", "late_icans_percent", "0.7", "%"),
        R("non-relapse mortality to day 28", "nrm_horizon_day", "28", "day",
          note="time horizon of the non-relapse mortality figure"),
        R("non-relapse mortality to day 28 was 1.1%, driven by ICANS", "nrm_day28_percent", "1.1", "%"),
    ]),
    B("Among 185 children and young adults given tisagenlecleucel", [
        R("185 children and young adults given tisagenlecleucel for B-ALL", "cohort_n", "185", "patients"),
        R("26 met criteria for HLH-like toxicity", "hlh_like_n", "26", "patients"),
        R("26 (14.1%) met criteria for HLH-like toxicity", "hlh_like_percent", "14.1", "%"),
        R("their 1-year overall survival", "os_horizon_year", "1", "year", note="time horizon of the survival figures"),
        R("1-year overall survival was 25.7% with HLH-like toxicity", "os_1y_hlh_like_percent", "25.7", "%"),
        R("versus 80.1% without HLH-like toxicity", "os_1y_no_hlh_like_percent", "80.1", "%"),
        R("hazard ratio for death 4.61", "death_hr_hlh_like", "4.61"),
        R("hazard ratio for death 4.61, 95% CI 2.41-8.83", "death_hr_ci95_low", "2.41",
          note="95% CI lower bound"),
        R("hazard ratio for death 4.61, 95% CI 2.41-8.83", "death_hr_ci95_high", "8.83",
          note="95% CI upper bound"),
    ], skip=[("95", CI95)]),
    B("In a CD22 CAR-T trial", [
        R("21 of the 52 patients with CRS developed carHLH", "carhlh_n", "21", "patients"),
        R("21 of the 52 patients with CRS developed carHLH", "crs_n", "52", "patients"),
        R("21 of 52 (40.4%) developed carHLH", "carhlh_percent", "40.4", "%"),
    ]),
    B("Extracorporeal purification is uncommon", [
        R("4 of 48 CAR-T recipients at one Italian centre received hemoadsorption", "hemoadsorption_n", "4",
          "patients", source="esposito2025"),
        R("4 of 48 CAR-T recipients at one Italian centre received hemoadsorption", "car_t_recipients_n",
          "48", "patients", source="esposito2025"),
        R("4 of 48 CAR-T recipients (8.3%) received hemoadsorption", "hemoadsorption_percent", "8.3", "%",
          source="esposito2025"),
        R("5 of 14 children in a Chinese PICU series received continuous blood purification",
          "blood_purification_n", "5", "patients", source="zhu2022"),
        R("5 of 14 children in a Chinese PICU series received continuous blood purification",
          "picu_children_n", "14", "patients", source="zhu2022"),
    ]),
    # ## Timing and mechanism
    B("in the mouse model it develops 2-3 days", [
        R("in the mouse model CRS develops 2-3 days after infusion", "mouse_crs_onset_days_low", "2", "days",
          note="range lower bound"),
        R("in the mouse model CRS develops 2-3 days after infusion", "mouse_crs_onset_days_high", "3", "days",
          note="range upper bound"),
    ]),
    B("median time to CRS onset was 2.5 days", [
        R("median time to CRS onset was 2.5 days with HLH-like toxicity", "crs_onset_median_days_hlh_like",
          "2.5", "days", note="read in a table whose attribution to mcnerney2023 is inferred"),
        R("median time to CRS onset was 3 days with high-grade CRS", "crs_onset_median_days_high_grade",
          "3", "days", note="read in a table whose attribution to mcnerney2023 is inferred"),
        R("median time to CRS onset was 5 days with no or low-grade CRS", "crs_onset_median_days_low_grade",
          "5", "days", note="read in a table whose attribution to mcnerney2023 is inferred"),
        R("CRS lasted a median 11 days with HLH-like toxicity", "crs_duration_median_days_hlh_like", "11",
          "days", note="read in a table whose attribution to mcnerney2023 is inferred"),
        R("CRS lasted a median 5 days with high-grade CRS", "crs_duration_median_days_high_grade", "5",
          "days", note="read in a table whose attribution to mcnerney2023 is inferred"),
        R("CRS lasted a median 3 days with no or low-grade CRS", "crs_duration_median_days_low_grade", "3",
          "days", note="read in a table whose attribution to mcnerney2023 is inferred"),
    ]),
    B("CAR-T cells can expand 100- to 100,000-fold", [
        R("CAR-T cells can expand 100- to 100,000-fold in the patient", "car_t_expansion_fold_low", "100",
          "fold", note="range lower bound"),
        R("CAR-T cells can expand 100- to 100,000-fold in the patient", "car_t_expansion_fold_high",
          "100000", "fold", note="range upper bound"),
    ]),
    B("In 51 CTL019 patients", [
        R("51 CTL019 patients", "cohort_n", "51", "patients"),
        R("first-month peaks of 24 cytokines were strongly linked to severe CRS", "cytokines_linked_n", "24",
          "cytokines"),
    ]),
    B("Spearman r = 0.81", [
        R("IL-6 correlated with CRP (Spearman r = 0.81)", "il6_crp_spearman_r", "0.81"),
        R("Spearman r = 0.81, 95% CI 0.54-0.92", "il6_crp_spearman_r_ci95_low", "0.54",
          note="95% CI lower bound"),
        R("Spearman r = 0.81, 95% CI 0.54-0.92", "il6_crp_spearman_r_ci95_high", "0.92",
          note="95% CI upper bound"),
    ], skip=[("95", CI95)]),
    B("serum cytokines over the first 21 days", [
        R("severe-CRS criteria were derived from clinical data plus serum cytokines over the first 21 days",
          "cytokine_window_days", "21", "days", note="observation window after infusion"),
    ]),
    # ## Standard treatment
    B("approved by the FDA for CAR-T CRS on 30 August 2017", [
        R("tocilizumab was approved by the FDA for CAR-T CRS on 30 August 2017", "fda_approval_day", "30",
          note="day of month of the approval date (30 August 2017)"),
        R("tocilizumab was approved by the FDA for CAR-T CRS on 30 August 2017", "fda_approval_year", "2017",
          note="calendar year of the approval date (a result, not a citation year)"),
        R("approved at 8 mg/kg", "tocilizumab_dose", "8", "mg/kg"),
        R("12 mg/kg below 30 kg", "tocilizumab_dose_under_30kg", "12", "mg/kg",
          note="dose for patients below 30 kg"),
        R("12 mg/kg below 30 kg", "tocilizumab_weight_threshold", "30", "kg", "<"),
        R("31 of 45 CTL019 patients responded", "tocilizumab_response_ctl019_n", "31", "patients"),
        R("31 of 45 CTL019 patients responded", "tocilizumab_ctl019_patients_n", "45", "patients"),
        R("31 of 45 CTL019 patients (69%) responded", "tocilizumab_response_ctl019_percent", "69", "%"),
        R("69%, 95% CI 53-82%", "tocilizumab_response_ctl019_ci95_low", "53", "%", note="95% CI lower bound"),
        R("69%, 95% CI 53-82%", "tocilizumab_response_ctl019_ci95_high", "82", "%", note="95% CI upper bound"),
        R("53% of 15 KTE-C19 patients responded", "tocilizumab_response_kte_c19_percent", "53", "%"),
        R("53% of 15 KTE-C19 patients responded", "tocilizumab_kte_c19_patients_n", "15", "patients"),
    ], skip=[("95", CI95)]),
    B("In Hong's CAR-T cohort with grade 3-4 CRS (n=41)", [
        R("Hong's CAR-T cohort with grade 3-4 CRS (n=41)", "car_t_severe_crs_n", "41", "patients",
          note="same cohort size in the hong2020 abstract"),
        R("20 received tocilizumab alone", "tocilizumab_alone_n", "20", "patients"),
        R("20 (48.8%) received tocilizumab alone", "tocilizumab_alone_percent", "48.8", "%"),
        R("7 received tocilizumab plus corticosteroids", "tocilizumab_steroids_n", "7", "patients"),
        R("7 (17.1%) received tocilizumab plus corticosteroids", "tocilizumab_steroids_percent", "17.1", "%"),
        R("5 received corticosteroids alone", "steroids_alone_n", "5", "patients"),
        R("5 (12.2%) received corticosteroids alone", "steroids_alone_percent", "12.2", "%"),
    ], skip=[("3", GRADE), ("4", GRADE)]),
    B("may not suffice in grade 3-4 CRS", skip=[
        ("2025", "publication year of the review (citation, not a result)"), ("3", GRADE), ("4", GRADE)]),
    # ## PE principles and kinetics
    B("PE is aimed at large molecules (over 150 kDa)", [
        R("PE is aimed at large molecules over 150 kDa", "pe_target_mw", "150", "kDa", ">"),
    ]),
    B("Plasma-separator sieving coefficients are about 1", [
        R("plasma-separator sieving coefficients are about 1 for the large plasma proteins",
          "separator_sieving_coefficient", "1", qualifier="~", note="summary value for all four proteins"),
        R("sieving coefficient 1.03 for albumin", "separator_sieving_coefficient_albumin", "1.03"),
        R("sieving coefficient 1.0 for IgG", "separator_sieving_coefficient_igg", "1.0"),
        R("sieving coefficient 1.0 for IgM", "separator_sieving_coefficient_igm", "1.0"),
        R("sieving coefficient 0.98 for IgA", "separator_sieving_coefficient_iga", "0.98"),
    ]),
    B("sessions are usually repeated at 24-48 h intervals", [
        R("sessions are usually repeated at 24-48 h intervals", "session_interval_hours_low", "24", "h",
          note="range lower bound"),
        R("sessions are usually repeated at 24-48 h intervals", "session_interval_hours_high", "48", "h",
          note="range upper bound"),
    ]),
    B("For a purely intravascular solute, the fraction removed", [
        R("about 63% of a purely intravascular solute is removed after one plasma volume",
          "removal_percent_1pv", "63", "%", "~", source="renalcarematters",
          note="fraction removed = 1 - e^(-V/PV); bullet also cites medicalalgorithms"),
        R("about 78% is removed after 1.5 plasma volumes", "removal_percent_1_5pv", "78", "%", "~",
          source="renalcarematters", note="fraction removed = 1 - e^(-V/PV); bullet also cites medicalalgorithms"),
        R("78% is removed after 1.5 plasma volumes", "exchange_dose_pv", "1.5", "plasma volumes",
          source="renalcarematters", note="exchange dose for the 78% figure"),
    ], skip=[("1", "constant of the formula 1 - e^(-V/PV)")]),
    B("A clinical reference quotes a variant of 60%", [
        R("a clinical reference quotes 60% removal at one plasma volume", "removal_percent_1pv", "60", "%"),
        R("and 75% removal at 1.4 plasma volumes", "removal_percent_1_4pv", "75", "%"),
        R("75% removal at 1.4 plasma volumes", "exchange_dose_pv", "1.4", "plasma volumes",
          note="exchange dose for the 75% figure"),
        R("plasma volume estimated as 0.07 x weight (kg) x (1 - haematocrit)", "plasma_volume_coefficient",
          "0.07", note="coefficient of the estimate 0.07 x weight (kg) x (1 - haematocrit)"),
    ], skip=[("1", "constant of the formula (1 - haematocrit)")]),
    B("goes back to Kaplan's 1992 paper", skip=[("1992", "publication year (citation, not a result)")]),
    B("After 1-1.5 plasma volumes, IgG drops", [
        R("after 1-1.5 plasma volumes IgG drops to about a third or a quarter of baseline",
          "exchange_dose_pv_low", "1", "plasma volumes", note="range lower bound"),
        R("after 1-1.5 plasma volumes IgG drops to about a third or a quarter of baseline",
          "exchange_dose_pv_high", "1.5", "plasma volumes", note="range upper bound"),
    ]),
    B("Extravascular shares are 55% (IgG)", [
        R("the extravascular share of IgG is 55%", "extravascular_igg_percent", "55", "%"),
        R("the extravascular share of IgA is 58%", "extravascular_iga_percent", "58", "%"),
        R("the extravascular share of IgM is 22%", "extravascular_igm_percent", "22", "%"),
    ]),
    B("a mean exchange of 0.9 plasma volumes", [
        R("a mean exchange of 0.9 plasma volumes", "exchange_dose_pv_mean", "0.9", "plasma volumes"),
        R("lowered immunoglobulins and fibrinogen by about 62-65%", "single_session_reduction_percent_low",
          "62", "%", "~", note="range lower bound"),
        R("lowered immunoglobulins and fibrinogen by about 62-65%", "single_session_reduction_percent_high",
          "65", "%", "~", note="range upper bound"),
        R("three sessions lowered IgG by 82.0%", "three_session_reduction_igg_percent", "82.0", "%"),
        R("three sessions lowered IgA by 80.4%", "three_session_reduction_iga_percent", "80.4", "%"),
        R("three sessions lowered IgM by 87.3%", "three_session_reduction_igm_percent", "87.3", "%"),
        R("three sessions lowered fibrinogen by 80.9%", "three_session_reduction_fibrinogen_percent", "80.9",
          "%"),
    ]),
    B("Across 912 TPE sessions", [
        R("across 912 TPE sessions", "tpe_sessions_n", "912", "sessions"),
        R("membrane TPE took a median 135 min", "membrane_tpe_duration_median", "135", "min"),
        R("versus 120 min for centrifugal TPE", "centrifugal_tpe_duration_median", "120", "min"),
    ]),
    B("The one CAR-T PE regimen with numbers", [
        R("the one CAR-T PE regimen with numbers exchanged 3,000 mL of plasma daily", "pe_volume_per_day",
          "3000", "mL"),
        R("exchanged plasma for fresh frozen plasma daily for 3 days", "pe_days", "3", "days"),
    ]),
    # ## PE versus HF/HDF/adsorption, including counter-evidence
    B("Diffusion (HD) loses efficiency above about 3-5 kDa", [
        R("diffusion (HD) loses efficiency above about 3-5 kDa", "diffusion_limit_low", "3", "kDa", "~",
          note="range lower bound"),
        R("diffusion (HD) loses efficiency above about 3-5 kDa", "diffusion_limit_high", "5", "kDa", "~",
          note="range upper bound"),
        R("convection (HF/HDF) reaches middle molecules up to about 10 kDa", "convection_limit", "10", "kDa",
          "~"),
        R("even modern membranes clear mediators above 10-15 kDa poorly", "modern_membrane_limit_low", "10",
          "kDa", note="range lower bound"),
        R("even modern membranes clear mediators above 10-15 kDa poorly", "modern_membrane_limit_high", "15",
          "kDa", note="range upper bound"),
    ]),
    B("Conventional dialysis removes solutes of about 50-15,000 Da", [
        R("conventional dialysis removes solutes of about 50-15,000 Da", "conventional_dialysis_range_low",
          "50", "Da", "~", note="range lower bound"),
        R("conventional dialysis removes solutes of about 50-15,000 Da", "conventional_dialysis_range_high",
          "15000", "Da", "~", note="range upper bound"),
    ]),
    B("Middle molecules span roughly 0.5-60 kDa", [
        R("middle molecules span roughly 0.5-60 kDa", "middle_molecule_range_low", "0.5", "kDa", "~",
          note="range lower bound"),
        R("middle molecules span roughly 0.5-60 kDa", "middle_molecule_range_high", "60", "kDa", "~",
          note="range upper bound"),
    ]),
    B("IL-6 weighs 21-28 kDa", [
        R("IL-6 weighs 21-28 kDa depending on glycosylation", "il6_mw_low", "21", "kDa",
          note="range lower bound"),
        R("IL-6 weighs 21-28 kDa depending on glycosylation", "il6_mw_high", "28", "kDa",
          note="range upper bound"),
    ]),
    B("Soluble TNF-alpha is a trimer of three 17 kDa subunits", [
        R("soluble TNF-alpha is a trimer of three 17 kDa subunits", "tnf_subunit_mw", "17", "kDa", flag="seen",
          note="subunit mass as stated in the source; the bullet's computed tag refers to the trimer mass"),
        R("the TNF-alpha trimer weighs about 51 kDa", "tnf_trimer_mw", "51", "kDa", "~",
          note="3 x 17 kDa"),
    ]),
    B("The TNF-alpha trimer measures 5.6 +/- 0.1 nm", [
        R("the TNF-alpha trimer measures 5.6 nm across", "tnf_trimer_diameter", "5.6", "nm",
          note="hydrodynamic diameter; printed 5.6 +/- 0.1 nm"),
        R("the TNF-alpha trimer measures 5.6 +/- 0.1 nm across", "tnf_trimer_diameter_uncertainty", "0.1",
          "nm", note="+/- value as printed; kind of spread not stated"),
        R("versus 3.9 nm for the monomer", "tnf_monomer_diameter", "3.9", "nm",
          note="hydrodynamic diameter; printed 3.9 +/- 0.1 nm"),
        R("versus 3.9 +/- 0.1 nm for the monomer", "tnf_monomer_diameter_uncertainty", "0.1", "nm",
          note="+/- value as printed; kind of spread not stated"),
    ]),
    B("Mature IFN-gamma circulates as a non-covalent homodimer", [
        R("the recombinant IFN-gamma monomer weighs 16.7 kDa", "ifng_monomer_mw", "16.7", "kDa",
          source="chemicalbookifng", flag="seen",
          note="monomer mass as stated in the source; the bullet's computed tag refers to the dimer mass"),
        R("doubling the 16.7 kDa recombinant monomer gives 33.4 kDa", "ifng_dimer_mw", "33.4", "kDa",
          source="chemicalbookifng", note="2 x 16.7 kDa; dimer state from ulab360ifng"),
    ]),
    B("Ferritin is a 24-subunit shell", [
        R("ferritin is a 24-subunit shell", "ferritin_subunits_n", "24", "subunits", source="springerferritin"),
        R("ferritin weighs about 450 kDa", "ferritin_mw", "450", "kDa", "~", source="springerferritin"),
        R("IgG is about 150 kDa", "igg_mw", "150", "kDa", "~", source="aatbioquestigg"),
        R("the IgM pentamer weighs about 900-970 kDa", "igm_pentamer_mw_low", "900", "kDa", "~",
          source="downloadmelaigm", flag="seen", locator="text",
          note="range lower bound; the bullet cites only piglixigm, but the 900 kDa value is the "
               "downloadmelaigm row of mediators.csv"),
        R("the IgM pentamer weighs about 900-970 kDa", "igm_pentamer_mw_high", "970", "kDa", "~",
          source="piglixigm", note="range upper bound"),
    ]),
    B("Immune complexes are sized by sedimentation", [
        R("complexes larger than 19S lodged in vessel walls while smaller ones stayed in the circulation",
          "immune_complex_sedimentation_threshold", "19", "S", ">",
          note="sedimentation coefficient in svedberg units (printed 19S)"),
    ]),
    B("In vitro, standard hemofilters barely sieved cytokines", [
        R("median sieving coefficient 0.0 for TNF-alpha", "hf_sieving_coefficient_tnf_median", "0.0"),
        R("median sieving coefficient below 0.15 for IL-6 and IL-8", "hf_sieving_coefficient_il6_il8_median",
          "0.15", qualifier="<", note="one printed bound for both cytokines"),
    ]),
    B("standard filtration cleared IL-6 at a median 1.09 mL/min", [
        R("standard filtration cleared IL-6 at a median 1.09 mL/min", "standard_clearance_il6_median", "1.09",
          "mL/min"),
        R("standard filtration cleared TNF-alpha at a median 0.74 mL/min", "standard_clearance_tnf_median",
          "0.74", "mL/min"),
        R("high cut-off techniques cleared IL-6 at 26.5 mL/min", "hco_clearance_il6_median", "26.5",
          "mL/min"),
        R("high cut-off techniques cleared IL-1RA at 40.2 mL/min", "hco_clearance_il1ra_median", "40.2",
          "mL/min"),
    ]),
    B("A ~60 kDa high cut-off filter", [
        R("a ~60 kDa high cut-off filter", "hco_filter_cutoff", "60", "kDa", "~"),
        R("peak clearance of 51 mL/min for IL-6", "hco_peak_clearance_il6", "51", "mL/min"),
        R("peak clearance of 46 mL/min for IL-1ra", "hco_peak_clearance_il1ra", "46", "mL/min"),
        R("the most protein and albumin was lost at 2.5 L/h hemofiltration", "hf_rate_max_loss", "2.5", "L/h"),
    ]),
    B("With the 45 kDa EMiC2 medium cut-off filter", [
        R("the EMiC2 medium cut-off filter has a 45 kDa cut-off", "emic2_cutoff", "45", "kDa"),
        R("effluent clearance reached 19.0 mL/min for TNF-alpha", "emic2_clearance_tnf", "19.0", "mL/min",
          note="highest effluent clearance; negligible for IL-2, IFN-gamma, IL-1alpha and IL-1beta"),
    ]),
    B("CytoSorb adsorbs mainly hydrophobic molecules", [
        R("CytoSorb adsorbs mainly hydrophobic molecules of about 5-60 kDa", "cytosorb_size_window_low", "5",
          "kDa", "~", source="cytosorbadsorber", note="range lower bound"),
        R("CytoSorb adsorbs mainly hydrophobic molecules of about 5-60 kDa", "cytosorb_size_window_high", "60",
          "kDa", "~", source="cytosorbadsorber", note="range upper bound"),
        R("through 0.8-5 nm bead pores", "cytosorb_bead_pore_low", "0.8", "nm", source="encyclopediacytosorb",
          note="range lower bound"),
        R("through 0.8-5 nm bead pores", "cytosorb_bead_pore_high", "5", "nm", source="encyclopediacytosorb",
          note="range upper bound"),
        R("used for up to 24 h per cartridge", "cytosorb_cartridge_max_hours", "24", "h", "<=",
          source="cytosorbadsorber"),
    ]),
    B("In a closed-loop plasma model, only CytoSorb removed G-CSF", [
        R("only CytoSorb removed G-CSF (99.4%)", "cytosorb_gcsf_removal_percent", "99.4", "%"),
        R("oXiris removed 68.0% of endotoxin", "oxiris_endotoxin_removal_percent", "68.0", "%"),
        R("CytoSorb removed no endotoxin (-6.3%)", "cytosorb_endotoxin_removal_percent", "-6.3", "%",
          note="negative = no removal"),
    ]),
    B("endotoxin fell in 7 of 9 patients", [
        R("endotoxin fell in 7 of 9 patients on the adsorptive oXiris filter", "oxiris_endotoxin_fell_n", "7",
          "patients"),
        R("endotoxin fell in 7 of 9 patients on the adsorptive oXiris filter", "oxiris_patients_n", "9",
          "patients"),
        R("versus 1 of 6 on a standard filter", "standard_filter_endotoxin_fell_n", "1", "patients"),
        R("versus 1 of 6 on a standard filter", "standard_filter_patients_n", "6", "patients"),
    ]),
    B("every measured protein except IgM flowed back", [
        R("fibrinogen recovered to 66% of baseline within 72 h", "fibrinogen_recovery_72h_percent", "66", "%",
          source="blood1980"),
        R("C3 recovered to 60% of baseline within 72 h", "c3_recovery_72h_percent", "60", "%",
          source="blood1980"),
        R("fibrinogen and C3 recovered within 72 h", "recovery_window", "72", "h", source="blood1980"),
    ]),
    B("cytokine removal during CVVH on AN69 was mostly adsorptive", [
        R("removal peaked at 25-43% of the prefilter amount in the first hour", "peak_removal_percent_low",
          "25", "%", note="range lower bound"),
        R("removal peaked at 25-43% of the prefilter amount in the first hour", "peak_removal_percent_high",
          "43", "%", note="range upper bound"),
    ]),
    B("meaningful cytokine mass removal by hemofiltration would need", [
        R("meaningful removal would need a sieving coefficient near 1", "required_sieving_coefficient", "1",
          qualifier="~"),
        R("more than 2 L/h filtrate", "required_filtrate_rate", "2", "L/h", ">"),
        R("a solute half-life above 60 min", "required_half_life", "60", "min", ">"),
    ]),
    # ## CAR-T CRS versus virus-induced CRS
    B("pooled mean IL-6 in severe or critical COVID-19 was 36.7", [
        R("pooled mean IL-6 in severe or critical COVID-19 was 36.7 pg/mL", "il6_pooled_mean_covid", "36.7",
          "pg/mL"),
        R("36.7 pg/mL (95% CI 21.6-62.3)", "il6_pooled_mean_covid_ci95_low", "21.6", "pg/mL",
          note="95% CI lower bound"),
        R("36.7 pg/mL (95% CI 21.6-62.3)", "il6_pooled_mean_covid_ci95_high", "62.3", "pg/mL",
          note="95% CI upper bound"),
        R("against 3110.5 pg/mL in CAR-T CRS", "il6_pooled_mean_car_t_crs", "3110.5", "pg/mL"),
        R("983.6 in sepsis", "il6_pooled_mean_sepsis", "983.6", "pg/mL"),
        R("460 in non-COVID ARDS", "il6_pooled_mean_ards", "460", "pg/mL"),
    ], skip=[("95", CI95)]),
    B("Those comparator means are about 84.8", [
        R("the CAR-T CRS mean is about 84.8 times the COVID-19 value", "il6_ratio_car_t_crs_to_covid", "84.8",
          qualifier="~", note="3110.5 / 36.7"),
        R("the sepsis mean is about 26.8 times the COVID-19 value", "il6_ratio_sepsis_to_covid", "26.8",
          qualifier="~", note="983.6 / 36.7"),
        R("the ARDS mean is about 12.5 times the COVID-19 value", "il6_ratio_ards_to_covid", "12.5",
          qualifier="~", note="460 / 36.7"),
    ]),
    B("Directly comparing grade 3-4 CRS", [
        R("median IL-6 7120.6 pg/mL after CAR-T", "il6_median_car_t", "7120.6", "pg/mL", source="hong2020"),
        R("vs 110.3 pg/mL in COVID-19", "il6_median_covid", "110.3", "pg/mL", source="hong2020"),
        R("median IFN-gamma 1308.5 after CAR-T", "ifng_median_car_t", "1308.5", "pg/mL", source="hong2020"),
        R("vs 35.0 in COVID-19", "ifng_median_covid", "35.0", "pg/mL", source="hong2020"),
        R("median IL-10 174.5 after CAR-T", "il10_median_car_t", "174.5", "pg/mL", source="hong2020"),
        R("vs 10.1 in COVID-19", "il10_median_covid", "10.1", "pg/mL", source="hong2020"),
        R("median IL-2 7.3 after CAR-T", "il2_median_car_t", "7.3", "pg/mL", source="hong2020"),
        R("vs 1.7 in COVID-19", "il2_median_covid", "1.7", "pg/mL", source="hong2020"),
        R("COVID-19 patients with grade 3-4 CRS (n=40)", "covid_severe_crs_n", "40", "patients",
          source="hong2021", note="same cohort size in the hong2020 abstract"),
        R("TNF-alpha was higher in COVID-19 (31.1 pg/mL)", "tnf_median_covid", "31.1", "pg/mL",
          source="hong2021"),
        R("vs 3.3 pg/mL after CAR-T", "tnf_median_car_t", "3.3", "pg/mL", source="hong2021"),
    ], skip=[("3", GRADE), ("4", GRADE), ("41", "repeats bg-hong2021-car-t-severe-crs-n")]),
    B("Grade 4 CRS was more frequent with COVID-19", [
        R("grade 4 CRS in 15 of 40 COVID-19 patients", "grade4_crs_covid_n", "15", "patients"),
        R("grade 4 CRS after CAR-T in 5 of 41", "grade4_crs_car_t_n", "5", "patients"),
        R("grade 4 CRS after CAR-T in 5/41 (12.2%)", "grade4_crs_car_t_percent", "12.2", "%"),
        R("grade 4 CRS more frequent with COVID-19 (P = 0.008)", "grade4_crs_p_value", "0.008"),
    ], skip=[("4", GRADE), ("40", "repeats bg-hong2021-covid-severe-crs-n"),
             ("41", "repeats bg-hong2021-car-t-severe-crs-n")]),
    B("The paper prints 35.7% for 15/40", [
        R("the paper prints 35.7% for 15/40", "grade4_crs_covid_percent_printed", "35.7", "%", flag="seen",
          note="as printed in the paper; arithmetically inconsistent with 15/40"),
        R("15/40 is arithmetically 37.5%", "grade4_crs_covid_percent", "37.5", "%", note="15 / 40"),
    ], skip=[("15", "repeats bg-hong2021-grade4-crs-covid-n"), ("40", "repeats bg-hong2021-covid-severe-crs-n")]),
    B("Viral load correlated with IL-6 and IL-10 in COVID-19", [
        R("viral load correlated with IL-6 in COVID-19 (R2 0.101)", "r2_viral_load_il6_covid", "0.101",
          source="hong2021; hong2020", note="coefficient of determination; which version prints it is unclear"),
        R("viral load correlated with IL-10 in COVID-19 (R2 0.105)", "r2_viral_load_il10_covid", "0.105",
          source="hong2021; hong2020", note="coefficient of determination; which version prints it is unclear"),
        R("LDH correlated with IL-6 after CAR-T (R2 0.161)", "r2_ldh_il6_car_t", "0.161",
          source="hong2021; hong2020", note="coefficient of determination; which version prints it is unclear"),
    ]),
    B("different odds ratios for hypertension history", [
        R("odds ratio for hypertension history 4.876 in the journal", "hypertension_or_journal", "4.876",
          source="hong2021"),
        R("odds ratio for hypertension history 7.167 in the ASH abstract", "hypertension_or_ash_abstract",
          "7.167", source="hong2020"),
    ]),
    B("Across 23 studies, severe COVID-19 had mean IL-6", [
        R("meta-analysis across 23 studies", "studies_n", "23", "studies"),
        R("severe COVID-19 had mean IL-6 19.55 pg/mL higher than non-severe disease",
          "il6_mean_difference_severe_vs_nonsevere", "19.55", "pg/mL"),
    ]),
    B("In 1,484 hospitalised patients", [
        R("1,484 hospitalised patients", "cohort_n", "1484", "patients"),
    ]),
    B("Lymphopenia was present in 26 of 41", [
        R("lymphopenia in 26 of 41 early Wuhan patients", "lymphopenia_n", "26", "patients"),
        R("lymphopenia in 26 of 41 early Wuhan patients", "cohort_n", "41", "patients"),
        R("lymphopenia in 26 of 41 (63%)", "lymphopenia_percent", "63", "%"),
    ]),
    B("Peak ferritin after tisagenlecleucel had medians of 92,204", [
        R("median peak ferritin 92,204 ng/mL with HLH-like toxicity", "peak_ferritin_median_hlh_like", "92204",
          "ng/mL", note="read in a table whose attribution to mcnerney2023 is inferred"),
        R("median peak ferritin 5,467 with high-grade CRS", "peak_ferritin_median_high_grade", "5467", "ng/mL",
          note="read in a table whose attribution to mcnerney2023 is inferred"),
        R("median peak ferritin 2,035 with no or low-grade CRS", "peak_ferritin_median_low_grade", "2035",
          "ng/mL", note="read in a table whose attribution to mcnerney2023 is inferred"),
    ]),
    B("mean ferritin was 1297.6 ng/mL in non-survivors", [
        R("mean ferritin 1297.6 ng/mL in COVID-19 non-survivors", "ferritin_mean_nonsurvivors", "1297.6",
          "ng/mL", source="mehta2020"),
        R("versus 614.0 in survivors", "ferritin_mean_survivors", "614.0", "ng/mL", source="mehta2020"),
        R("median ferritin 5894 ng/mL in the MAS-like subtype", "ferritin_median_mas_subtype", "5894", "ng/mL",
          source="oliynyk2021"),
    ]),
    B("Secondary HLH criteria (HScore 169 or more)", [
        R("secondary HLH criteria (HScore 169 or more)", "hscore_threshold", "169", qualifier=">=",
          source="meng2021"),
        R("met by 41 of 408 severe COVID-19 patients", "shlh_n", "41", "patients", source="meng2021"),
        R("met by 41 of 408 severe COVID-19 patients", "cohort_n", "408", "patients", source="meng2021"),
        R("41 of 408 (10.04%)", "shlh_percent", "10.04", "%", source="meng2021"),
        R("19 ICU patients in another series", "icu_cohort_n", "19", "patients", source="lorenz2020"),
        R("had a median HScore of 157 and none had sHLH", "hscore_median", "157", source="lorenz2020"),
    ]),
    B("COVID-19 typically worsens 7-10 days after presentation", [
        R("COVID-19 typically worsens 7-10 days after presentation", "covid_worsening_days_low", "7", "days",
          source="copaescu2020", note="range lower bound"),
        R("COVID-19 typically worsens 7-10 days after presentation", "covid_worsening_days_high", "10", "days",
          source="copaescu2020", note="range upper bound"),
        R("MERS worsens around day 7", "mers_worsening_day", "7", "day", "~", source="copaescu2020; kim2016",
          note="which of the cited sources gives the day is not stated"),
        R("IL-6 54 pg/mL in severe MERS in week 2", "il6_mers_severe_week2", "54", "pg/mL", source="kim2016"),
        R("vs 4 pg/mL in mild MERS", "il6_mers_mild_week2", "4", "pg/mL", source="kim2016"),
        R("CXCL10 2,642 pg/mL in severe MERS in week 2", "cxcl10_mers_severe_week2", "2642", "pg/mL",
          source="kim2016"),
        R("vs 382 pg/mL in mild MERS", "cxcl10_mers_mild_week2", "382", "pg/mL", source="kim2016"),
        R("MERS cytokines compared in week 2", "mers_measurement_week", "2", "week", source="kim2016",
          note="time point of the MERS cytokine comparison"),
        R("SARS IL-6 peaked a median 10.5 days after fever onset", "sars_il6_peak_median_days", "10.5", "days",
          source="jfma2005"),
    ]),
    B("sputum IL-6 was 569.14 pg/mL", [
        R("sputum IL-6 was 569.14 pg/mL in severe influenza A pneumonia", "sputum_il6_severe", "569.14",
          "pg/mL", note="sputum, not blood"),
        R("versus 14.05 in non-severe cases", "sputum_il6_nonsevere", "14.05", "pg/mL", note="sputum, not blood"),
    ]),
    B("H7N9 raised 34 of 48", [
        R("H7N9 raised 34 of 48 measured cytokines and chemokines", "raised_mediators_n", "34", "mediators",
          source="guo2015"),
        R("H7N9 raised 34 of 48 measured cytokines and chemokines", "measured_mediators_n", "48", "mediators",
          source="guo2015"),
    ]),
    B("In paediatric HLH, IFN-gamma (median 4740.20", [
        R("in paediatric HLH median IFN-gamma was 4740.20 pg/mL", "ifng_median_hlh", "4740.20", "pg/mL"),
        R("median IL-10 was 195.60", "il10_median_hlh", "195.60", "pg/mL"),
        R("IL-6 was modest (22.20)", "il6_median_hlh", "22.20", "pg/mL"),
    ]),
    B("In 256 children with HLH", [
        R("256 children with HLH", "cohort_n", "256", "patients"),
        R("an IL-10 to IFN-gamma ratio above 1.33", "il10_ifng_ratio_threshold", "1.33", qualifier=">"),
        R("together with IFN-gamma of 225 pg/mL or less pointed to primary HLH", "ifng_threshold", "225",
          "pg/mL", "<="),
    ]),
    B("Admission IL-6 above 142.5 pg/mL", [
        R("admission IL-6 above 142.5 pg/mL predicted critical COVID-19", "il6_admission_cutoff", "142.5",
          "pg/mL", ">", source="garciagasalla2021"),
        R("admission IL-6 above 142.5 pg/mL predicted critical COVID-19 (OR 8.76)", "il6_cutoff_odds_ratio",
          "8.76", source="garciagasalla2021"),
        R("an editorial described IL-6 of 80 pg/mL or more as a risk marker", "il6_risk_threshold", "80",
          "pg/mL", ">=", source="chen2020"),
    ]),
    B("dexamethasone lowered 28-day mortality", [
        R("28-day mortality in the COVID-19 trials", "mortality_horizon_day", "28", "day",
          source="recovery2021a; recovery2021b", note="time horizon of the mortality figures of both trials"),
        R("dexamethasone lowered 28-day mortality to 22.9%", "dexamethasone_mortality_percent", "22.9", "%",
          source="recovery2021a"),
        R("versus 25.7% with usual care", "dexamethasone_control_mortality_percent", "25.7", "%",
          source="recovery2021a"),
        R("RR 0.83 for dexamethasone", "dexamethasone_mortality_rr", "0.83", source="recovery2021a"),
        R("tocilizumab lowered 28-day mortality to 31%", "tocilizumab_mortality_percent", "31", "%",
          source="recovery2021b"),
        R("versus 35% with usual care", "tocilizumab_control_mortality_percent", "35", "%",
          source="recovery2021b"),
        R("RR 0.85 for tocilizumab", "tocilizumab_mortality_rr", "0.85", source="recovery2021b"),
    ]),
    # ## PE and blood purification in COVID-19
    B("In 10 patients with Penn class 3-4 CRS", [
        R("10 COVID-19 patients with Penn class 3-4 CRS", "cohort_n", "10", "patients"),
        R("five single-volume exchanges over 8 days", "pe_schedule_days", "8", "days"),
    ], skip=[("3", GRADE), ("4", GRADE)]),
    B("In 10 ICU patients (5-7 sessions", [
        R("10 ICU patients", "cohort_n", "10", "patients"),
        R("5-7 TPE sessions", "pe_sessions_low", "5", "sessions", note="range lower bound"),
        R("5-7 TPE sessions", "pe_sessions_high", "7", "sessions", note="range upper bound"),
        R("sessions of 1.0-1.5 plasma volumes", "exchange_dose_pv_low", "1.0", "plasma volumes",
          note="range lower bound"),
        R("sessions of 1.0-1.5 plasma volumes", "exchange_dose_pv_high", "1.5", "plasma volumes",
          note="range upper bound"),
        R("day-28 mortality", "mortality_horizon_day", "28", "day", note="time horizon of the mortality figure"),
        R("day-28 mortality was 10%", "mortality_day28_percent", "10", "%"),
    ]),
    B("Artificial-liver blood purification lowered serum IL-6", [
        R("serum IL-6 fell from 119.94 pg/mL with artificial-liver blood purification", "il6_treated_before",
          "119.94", "pg/mL"),
        R("to 20.49 pg/mL", "il6_treated_after", "20.49", "pg/mL"),
        R("treated group (n=50)", "treated_n", "50", "patients"),
        R("controls rose from 40.42 pg/mL", "il6_control_first", "40.42", "pg/mL"),
        R("to 50.81 pg/mL", "il6_control_later", "50.81", "pg/mL"),
        R("control group (n=51)", "control_n", "51", "patients"),
    ]),
    B("A systematic review of 34 articles", [
        R("a systematic review of 34 articles", "articles_n", "34", "articles"),
        R("34 articles covering 267 patients", "patients_n", "267", "patients"),
    ]),
    B("Preliminary guidance placed TPE for critical COVID-19", [
        R("1-1.5 plasma volumes per procedure", "exchange_dose_pv_low", "1", "plasma volumes",
          note="range lower bound"),
        R("1-1.5 plasma volumes per procedure", "exchange_dose_pv_high", "1.5", "plasma volumes",
          note="range upper bound"),
        R("replacement with 4-5% albumin", "albumin_replacement_concentration_low", "4", "%",
          note="range lower bound"),
        R("replacement with 4-5% albumin", "albumin_replacement_concentration_high", "5", "%",
          note="range upper bound"),
    ], skip=[("2", "recommendation grade label (grade 2B)")]),
    B("In Hong's severe COVID-19 group, 14 of 40", [
        R("14 of 40 received artificial-liver blood purification", "blood_purification_n", "14", "patients",
          note="1 + 13"),
        R("1 received artificial-liver blood purification alone", "blood_purification_alone_n", "1",
          "patients", flag="seen", note="read in Table 5; the bullet's computed tag refers to the total 14"),
        R("13 received it with corticosteroids", "blood_purification_with_steroids_n", "13", "patients",
          flag="seen", note="read in Table 5; the bullet's computed tag refers to the total 14"),
    ], skip=[("40", "repeats bg-hong2021-covid-severe-crs-n")]),
    # ## What the 2025 review claims (abstract only)
    B("with 19 published PE cases", [
        R("the review combines three institutional PE patients with 19 published PE cases",
          "literature_cases_n", "19", "patients"),
    ]),
    B("The 22-case total appears only", [
        R("the 22-case total appears only in a machine-written summary", "total_cases_n", "22", "patients",
          note="3 + 19; the total appears only in an AI summary (arxivlens)"),
        R("a machine-written summary adds 3 institutional cases", "institutional_cases_n", "3", "patients",
          flag="seen", note="stated in the review abstract; the bullet's computed tag refers to the total 22"),
    ], skip=[("19", "repeats bg-zhang2025-literature-cases-n")]),
    B("the table of 19 cases", skip=[("19", "repeats bg-zhang2025-literature-cases-n")]),
]
# fmt: on

BACKGROUND_COLUMNS = [
    "row_id",
    "section",
    "statement",
    "quantity",
    "value",
    "unit",
    "qualifier",
    "source_id",
    "locator",
    "flag",
    "note",
]


def parse_background(text: str) -> list[tuple[str, str]]:
    """(section heading, bullet text) for every bullet."""
    out, section = [], None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("- "):
            if section is None:
                raise SystemExit(f"bullet before the first section: {line[:60]}")
            out.append((section, line[2:].strip()))
    return out


def number_tokens(text: str) -> list[str]:
    body = TAG_RE.sub(" ", text)
    body = NAME_RE.sub(" ", body)
    return NUMBER_TOKEN_RE.findall(body)


def row_locator(sources: list[str], locators: dict[str, str], section: str, key: str) -> str:
    """Where in its source(s) a background number was read.

    v2 tags give a locator per source; a row citing several sources gets `id: locator` parts
    joined by ` | `. A v1 dossier has no locators, so the row falls back to the bullet's section
    in background.md (a place in the dossier, not in the source). A v2 bullet whose source has
    no real locator stops the import instead of falling back silently.
    """
    if not any(locators.values()):
        return f"dossier background.md, section {section}"
    found = []
    for sid in sources:
        loc = locators.get(sid, "")
        if not loc or loc.startswith(NO_LOCATOR):
            raise SystemExit(f"bullet {key!r}: no locator for source {sid} ({loc or 'not tagged'!r})")
        found.append(loc)
    if len(found) == 1:
        return found[0]
    return " | ".join(f"{sid}: {loc}" for sid, loc in zip(sources, found, strict=True))


def background_rows(text: str, report: dict) -> list[dict[str, str]]:
    bullets = parse_background(text)
    used: set[int] = set()
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    for spec in BACKGROUND:
        hits = [i for i, (_, b) in enumerate(bullets) if spec.key in b]
        if len(hits) != 1:
            raise SystemExit(f"bullet key {spec.key!r} matches {len(hits)} bullets")
        index = hits[0]
        if index in used:
            raise SystemExit(f"bullet key {spec.key!r}: bullet already specified")
        used.add(index)
        section, bullet = bullets[index]
        tags = {sid: flag for sid, flag, _ in TAG_RE.findall(bullet)}
        locators = {sid: loc for sid, _, loc in TAG_RE.findall(bullet)}
        printed = {t.replace(",", ""): t for t in number_tokens(bullet)}
        tokens = collections.Counter(t.replace(",", "") for t in number_tokens(bullet))
        claimed = collections.Counter([r.value for r in spec.rows] + [v for v, _ in spec.skip])
        if tokens != claimed:
            problems.append(
                f"{spec.key!r}: numbers in text {sorted(tokens.elements())} "
                f"!= recorded + skipped {sorted(claimed.elements())}"
            )
        for r in spec.rows:
            source = r.source or next(iter(tags))
            sources = [s.strip() for s in source.split(";")]
            if r.flag:
                flag = r.flag
            elif sources[0] in tags:
                flag = tags[sources[0]] or "seen"
            else:
                flag = "seen"
            own = {sources[0]: r.locator} if r.locator and any(locators.values()) else {}
            note = r.note
            if "," in printed.get(r.value, ""):
                note = f"printed {printed[r.value]}" + (f"; {note}" if note else "")
            rows.append(
                {
                    "row_id": f"bg-{slug(sources[0])}-{slug(r.quantity)}",
                    "section": section,
                    "statement": r.statement,
                    "quantity": r.quantity,
                    "value": r.value,
                    "unit": r.unit,
                    "qualifier": r.qualifier,
                    "source_id": source,
                    "locator": row_locator(sources, {**locators, **own}, section, spec.key),
                    "flag": flag,
                    "note": note,
                }
            )
        report["background_skips"].extend(f"{spec.key!r}: {v} ({why})" for v, why in spec.skip)
    for i, (_, bullet) in enumerate(bullets):
        if i not in used and number_tokens(bullet):
            problems.append(
                f"bullet with numbers but no specification: {bullet[:80]!r} {number_tokens(bullet)}"
            )
    if problems:
        raise SystemExit("background.md check failed:\n  " + "\n  ".join(problems))
    dupes = sorted(k for k, v in collections.Counter(r["row_id"] for r in rows).items() if v > 1)
    if dupes:
        raise SystemExit(f"background row ids collide (make the quantities distinct): {dupes}")
    row_ids = {r["row_id"] for r in rows}
    for spec in BACKGROUND:
        for value, why in spec.skip:
            if why.startswith("repeats ") and why.split()[1] not in row_ids:
                raise SystemExit(f"{spec.key!r}: skip of {value} refers to unknown row {why.split()[1]}")
    report["background_bullets"] = len(bullets)
    return rows


# --------------------------------------------------------------------------------------------
# vocabularies


def vocabularies(
    cases: list[dict], tables: dict[str, list[dict]], sources: list[dict], background: list[dict]
) -> dict[str, list[str]]:
    units = {"kDa"}
    units.update(f["unit"] for c in cases for f in c["facts"].values() if "unit" in f)
    units.update(m["unit"] for c in cases for m in c["measurements"])
    units.update(r["unit"] for r in tables["syndrome_cytokines"])
    units.update(r["unit"] for r in background if r["unit"])
    sc, pm, mw = tables["syndrome_cytokines"], tables["purification_methods"], tables["mediators"]
    vocab = {
        "contexts": {c["context"] for c in cases},
        "kinds": {c["kind"] for c in cases},
        "origins": {"institutional", "literature"},
        "modalities": {m for c in cases for m in c["modalities"]} | {r["modality"] for r in pm},
        "flags": set(FLAGS),
        "source_types": {s["type"] for s in sources},
        "quality": {s["quality"] for s in sources},
        "access": {a.strip() for s in sources for a in s["access"].split(";") if a.strip()},
        "analytes": {r["analyte"] for r in sc}
        | {m["analyte"] for c in cases for m in c["measurements"]}
        | {r["mediator"] for r in mw}
        | {"temperature"},
        "units": units,
        "qualifiers": set(QUALIFIERS),
        "relations": {m["relation"] for c in cases for m in c["measurements"]} | set(EXTRA_RELATIONS),
        "statistics": {r["statistic"] for r in sc},
        "intervals": {r["interval"] for r in sc},
        "specimens": {r["specimen"] for r in sc}
        | {m["specimen"] for c in cases for m in c["measurements"] if "specimen" in m},
        "properties": {r["property"] for r in pm},
        "settings": {r["setting"] for r in pm if r["setting"]},
        "mediator_forms": {r["form"] for r in mw},
        "severities": {r["severity"] for r in sc},
        "syndromes": {r["syndrome"] for r in sc},
    }
    return {name: sorted(v for v in values if v) for name, values in vocab.items()}


def vocabularies_text(vocab: dict[str, list[str]]) -> str:
    header = (
        "# Controlled vocabularies for data/raw/ (checked by the validate rule).\n"
        "# Generated once from the values observed in the evidence dossier by tools/import_dossier.py.\n"
        "# Curated by hand from now on: a new value must be added here deliberately (and described in\n"
        "# data/README.md if its meaning is not obvious), never to silence a validation error.\n"
    )
    return header + yaml.safe_dump(
        vocab, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossier", type=Path, default=DOSSIER, help="evidence dossier folder (read-only)")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root to write into")
    args = parser.parse_args(argv)
    dossier, root = args.dossier, args.root
    raw = root / "data" / "raw"
    report: dict = collections.defaultdict(list)
    report["new_rows"] = {}

    # sources.csv and references.json
    _, sources = read_csv(latest(dossier, "sources.csv"))
    sources.sort(key=lambda r: r["source_id"])
    ids = [s["source_id"] for s in sources]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate source_id in the dossier")
    by_id = {s["source_id"]: s for s in sources}
    references = [csl_item(s, report) for s in sources]
    write(raw / "references.json", json.dumps(references, indent=2, ensure_ascii=False))
    write(raw / "sources.csv", csv_text(SOURCE_COLUMNS, sources))

    # extractions
    cases = yaml.safe_load((dossier / "cases.yaml").read_text(encoding="utf-8"))
    by_source: dict[str, list[dict]] = collections.defaultdict(list)
    for case in cases:
        if case["source_id"] not in by_id:
            raise SystemExit(f"{case['case_id']}: unknown source {case['source_id']}")
        by_source[case["source_id"]].append(case)
    out_cases = []
    for source_id in sorted(by_source):
        doc = extraction_doc(source_id, by_source[source_id])
        write(raw / "extractions" / f"{source_id}.yaml", extraction_text(doc))
        out_cases.extend(doc["cases"])

    # reference tables
    tables: dict[str, list[dict]] = {}
    for name in ("mediators", "purification_methods", "syndrome_cytokines"):
        columns, rows = read_csv(latest(dossier, f"{name}.csv"))
        for row in rows:
            for sid in row["source_id"].split(";"):
                if sid.strip() not in by_id:
                    raise SystemExit(f"{name}: unknown source {sid!r}")
        out_cols, out_rows = reference_rows(name, columns, rows, by_id, report)
        report["new_rows"][name] = check_stable_ids(name, out_rows, raw / "reference" / f"{name}.csv")
        write(raw / "reference" / f"{name}.csv", csv_text(out_cols, out_rows))
        tables[name] = out_rows

    background = background_rows(latest(dossier, "background.md").read_text(encoding="utf-8"), report)
    for row in background:
        for sid in row["source_id"].split(";"):
            if sid.strip() not in by_id:
                raise SystemExit(f"background: unknown source {sid!r}")
    report["new_rows"]["background_facts"] = check_stable_ids(
        "background_facts", background, raw / "reference" / "background_facts.csv"
    )
    write(raw / "reference" / "background_facts.csv", csv_text(BACKGROUND_COLUMNS, background))

    vocab = vocabularies(out_cases, tables, sources, background)
    write(root / "workflow" / "schemas" / "vocabularies.yaml", vocabularies_text(vocab))

    print(f"sources/references: {len(sources)}; extraction files: {len(by_source)}; cases: {len(out_cases)}")
    for name, rows in tables.items():
        print(f"{name}: {len(rows)} rows")
    print(f"background_facts: {len(background)} rows from {report['background_bullets']} bullets")
    for name, new_ids in report["new_rows"].items():
        print(f"{name}: {len(new_ids)} new row ids" + (f" ({', '.join(new_ids)})" if new_ids else ""))
    in_source = sum(not r["locator"].startswith("dossier ") for r in background)
    print(f"background_facts: {in_source} of {len(background)} locators point into the source")
    marked = [r["row_id"] for r in tables["mediators"] if r["superseded_by"]]
    print(f"mediators: {len(marked)} rows superseded ({', '.join(marked)})")
    print(f"items without title ({len(report['no_title'])}): {', '.join(report['no_title'])}")
    print(f"URL not the first url_seen part ({len(report['url_not_first_part'])}):")
    for line in report["url_not_first_part"]:
        print(f"  {line}")
    mism = report["mediator_quality_mismatches"]
    print(
        "mediators.quality: "
        + (
            "dropped (equals sources.csv quality in every row)"
            if not mism
            else f"kept; {len(mism)} mismatches: {mism}"
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

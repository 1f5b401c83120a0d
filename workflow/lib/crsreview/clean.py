"""Cleaning: validated raw data -> provenance-carrying processed tables.

Every value becomes a row of facts.csv with a stable fact_id; the other tables point into it.
Pure functions on `RawData`; the rule scripts only write the returned rows.
"""

from __future__ import annotations

from . import units
from .extraction_checks import event_ids
from .validate import NUMBER_RE, RawData

FACT_COLUMNS = [
    "fact_id",
    "table",
    "case_id",
    "row_id",
    "field",
    "value",
    "qualifier",
    "unit",
    "source_id",
    "locator",
    "flag",
    "note",
]
# Fields of the evidence-map figure (a fixed choice of the figure, not the data dictionary).
CASE_CORE_FIELDS = [
    "age_years",
    "sex",
    "disease",
    "car_target",
    "crs_grade_max",
    "tocilizumab_doses",
    "pe_sessions",
    "pe_volume_ml_per_session",
    "pe_start_day",
    "purification_start_day",
    "deaths",
    "outcome_status",
]
# cases.csv: these columns, then one column per data-dictionary case field (case_columns()).
CASE_FIXED_COLUMNS = [
    "case_id",
    "source_id",
    "kind",
    "n",
    "context",
    "origin",
    "modalities",
    "modality_group",
    "access",
    "n_facts",
    "n_measurements",
    "n_not_reported",
    "n_unverified",
]
EVENT_COLUMNS = [
    "fact_id",
    "case_id",
    "source_id",
    "event",
    "day_post_infusion",
    "day_low",
    "day_high",
    "locator",
    "flag",
    "note",
]
EVENT_UNIT = "day post-infusion"
MEASUREMENT_COLUMNS = [
    "fact_id",
    "case_id",
    "source_id",
    "group",
    "analyte",
    "specimen",
    "qualifier",
    "value",
    "unit",
    "value_as_reported",
    "unit_as_reported",
    "conversion",
    "day_post_infusion",
    "day_low",
    "day_high",
    "relation",
    "locator",
    "flag",
    "note",
]
NOT_REPORTED = "NR"

# Modality groups used by figures and tables: PE versus the comparator techniques.
_GROUPS = (
    ("PE", "PE"),
    ("TPE", "PE"),
    ("HF", "HF/HDF"),
    ("HDF", "HF/HDF"),
    ("CVVHDF", "HF/HDF"),
    ("CRRT", "HF/HDF"),
    ("hemoadsorption", "adsorption"),
    ("CytoSorb", "adsorption"),
)


def modality_group(modalities: list[str]) -> str:
    """PE if any exchange was done, else the first comparator group, else 'other/unspecified'."""
    groups = [g for m in modalities for key, g in _GROUPS if m == key]
    if "PE" in groups:
        return "PE"
    return groups[0] if groups else "other/unspecified"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value)
    return str(value)


def _cases(data: RawData):
    for name in sorted(data.extractions):
        doc = data.extractions[name]
        for case in doc["cases"]:
            yield doc["source_id"], case


def _note(item: dict) -> str:
    """A value's note with its printed form appended (as in every fact row)."""
    parts = (item.get("note"), f"as printed: {item['as_printed']}" if "as_printed" in item else None)
    return "; ".join(x for x in parts if x)


def _fact_row(fact_id: str, table: str, case_id: str, field: str, fact: dict, source_id: str) -> dict:
    return {
        "fact_id": fact_id,
        "table": table,
        "case_id": case_id,
        "row_id": "",
        "field": field,
        "value": _text(fact["value"]),
        "qualifier": "",
        "unit": fact.get("unit", ""),
        "source_id": source_id,
        "locator": fact["locator"],
        "flag": fact["flag"],
        "note": _note(fact),
    }


def source_facts(data: RawData) -> list[dict]:
    """Publication-level facts (`source_facts:`): fact id <source_id>.<field>, no case."""
    rows = []
    for name in sorted(data.extractions):
        doc = data.extractions[name]
        sid = doc["source_id"]
        for fname, fact in (doc.get("source_facts") or {}).items():
            rows.append(_fact_row(f"{sid}.{fname}", "source_facts", "", fname, fact, sid))
    return rows


def case_facts(data: RawData) -> list[dict]:
    rows = []
    for source_id, case in _cases(data):
        cid = case["case_id"]
        for fname, fact in case["facts"].items():
            rows.append(_fact_row(f"{cid}.{fname}", "case", cid, fname, fact, source_id))
        for fname in case["not_reported"]:
            rows.append(
                {
                    "fact_id": f"{cid}.nr.{fname}",
                    "table": "not_reported",
                    "case_id": cid,
                    "row_id": "",
                    "field": fname,
                    "value": "",
                    "qualifier": "",
                    "unit": "",
                    "source_id": source_id,
                    "locator": f"not found in the accessible text ({case['access']})",
                    "flag": "not_reported",
                    "note": "",
                }
            )
    return rows


def events(data: RawData) -> list[dict]:
    """The clinical timeline, one row per event, sorted by case then position in the case."""
    rows = []
    for source_id, case in _cases(data):
        cid = case["case_id"]
        for eid, ev in zip(event_ids(case), case.get("events") or [], strict=True):
            low, high = _day_bounds(ev["day_post_infusion"])
            rows.append(
                {
                    "fact_id": f"{cid}.{eid}",
                    "case_id": cid,
                    "source_id": source_id,
                    "event": ev["event"],
                    "day_post_infusion": "" if ev["day_post_infusion"] is None else ev["day_post_infusion"],
                    "day_low": low,
                    "day_high": high,
                    "locator": ev["locator"],
                    "flag": ev["flag"],
                    "note": _note(ev),
                }
            )
    # Stable sort: the case's own order of events is kept.
    return sorted(rows, key=lambda r: r["case_id"])


def _case_fact(r: dict, table: str, field: str, value: str, qualifier: str, unit: str) -> dict:
    """A facts.csv row for one value of a case (an event or a measurement)."""
    return {
        "fact_id": r["fact_id"],
        "table": table,
        "case_id": r["case_id"],
        "row_id": "",
        "field": field,
        "value": value,
        "qualifier": qualifier,
        "unit": unit,
        "source_id": r["source_id"],
        "locator": r["locator"],
        "flag": r["flag"],
        "note": r["note"],
    }


def event_facts(event_rows: list[dict]) -> list[dict]:
    return [
        _case_fact(
            r,
            "events",
            r["event"],
            r["day_post_infusion"],
            "",
            EVENT_UNIT if r["day_post_infusion"] != "" else "",
        )
        for r in event_rows
    ]


def _day_bounds(day: object) -> tuple[int | None, int | None]:
    if isinstance(day, int):
        return day, day
    if isinstance(day, str):
        low, high = (int(x) for x in day.split("-"))
        return low, high
    return None, None


def measurements(data: RawData) -> list[dict]:
    rows = []
    for source_id, case in _cases(data):
        cid = case["case_id"]
        for m in case["measurements"]:
            conv = units.to_canonical(float(m["value"]), m["unit"], m["analyte"])
            low, high = _day_bounds(m["day_post_infusion"])
            value = int(conv.value) if conv.value.is_integer() and isinstance(m["value"], int) else conv.value
            rows.append(
                {
                    "fact_id": f"{cid}.{m['id']}",
                    "case_id": cid,
                    "source_id": source_id,
                    "group": m.get("group", ""),
                    "analyte": m["analyte"],
                    "specimen": m.get("specimen", ""),
                    "qualifier": m["qualifier"] or "=",
                    "value": value,
                    "unit": conv.unit,
                    "value_as_reported": m["value"],
                    "unit_as_reported": m["unit"],
                    "conversion": conv.formula,
                    "day_post_infusion": "" if m["day_post_infusion"] is None else m["day_post_infusion"],
                    "day_low": low,
                    "day_high": high,
                    "relation": m["relation"],
                    "locator": m["locator"],
                    "flag": m["flag"],
                    "note": m.get("note", ""),
                }
            )
    return rows


def measurement_facts(meas_rows: list[dict]) -> list[dict]:
    return [
        _case_fact(r, "measurement", r["analyte"], r["value"], r["qualifier"], r["unit"]) for r in meas_rows
    ]


def case_columns(data: RawData) -> list[str]:
    """cases.csv columns: the fixed ones, then every case field of the data dictionary."""
    return [*CASE_FIXED_COLUMNS, *data.dictionary.case_fields]


def cases(data: RawData) -> list[dict]:
    rows = []
    for source_id, case in _cases(data):
        facts = case["facts"]
        row = {
            "case_id": case["case_id"],
            "source_id": source_id,
            "kind": case["kind"],
            "n": case.get("n", 1),
            "context": case["context"],
            "origin": case["origin"],
            "modalities": ";".join(case["modalities"]),
            "modality_group": modality_group(case["modalities"]),
            "access": case["access"],
            "n_facts": len(facts),
            "n_measurements": len(case["measurements"]),
            "n_not_reported": len(case["not_reported"]),
            "n_unverified": sum(f["flag"] == "unverified" for f in facts.values())
            + sum(m["flag"] == "unverified" for m in case["measurements"]),
        }
        for fname in data.dictionary.case_fields:
            if fname in facts:
                row[fname] = _text(facts[fname]["value"])
            elif fname in case["not_reported"]:
                row[fname] = NOT_REPORTED
            else:
                row[fname] = ""
        rows.append(row)
    return sorted(rows, key=lambda r: r["case_id"])


def _table_fact(table: str, raw: dict, field: str, value: str, qualifier: str, unit: str, note=None) -> dict:
    """A facts.csv row for one value of a reference-table row (fact id `<row_id>.<field>`)."""
    return {
        "fact_id": f"{raw['row_id']}.{field}",
        "table": table,
        "case_id": "",
        "row_id": raw["row_id"],
        "field": field,
        "value": value,
        "qualifier": qualifier,
        "unit": unit,
        "source_id": raw["source_id"],
        "locator": raw["locator"],
        "flag": raw["flag"],
        "note": raw.get("note", "") if note is None else note,
    }


def reference_table(data: RawData, table: str, schema: dict) -> tuple[list[str], list[dict], list[dict]]:
    """Processed copy of one reference table (numbers typed, canonical units) and its facts."""
    raw_cols = list(schema["properties"])
    value_cols = schema.get("x-value-columns", [])
    extra = ["fact_ids"]
    if table == "syndrome_cytokines":
        extra = [
            "value_canonical",
            "lower_canonical",
            "upper_canonical",
            "unit_canonical",
            "conversion",
            *extra,
        ]
    columns = [*raw_cols, *extra]
    rows, facts = [], []
    for raw in data.tables[table]:
        row = {c: raw[c] for c in raw_cols}
        ids = []
        for col in value_cols:
            cell = raw[col].strip()
            if not cell:
                continue
            facts.append(
                _table_fact(table, raw, col, cell, raw.get("qualifier", ""), _unit_of(table, raw, col))
            )
            ids.append(facts[-1]["fact_id"])
        if table == "purification_methods" and raw["property"] == "qualitative":
            # The finding of a qualitative row is its note (no number): a fact without a unit.
            facts.append(_table_fact(table, raw, "finding", raw["note"], "", "", note=""))
            ids.append(facts[-1]["fact_id"])
        if table == "syndrome_cytokines":
            target = units.canonical_unit(raw["analyte"], raw["unit"])
            try:
                f = units.factor(raw["unit"], target)
            except units.UnitError:
                target, f = raw["unit"], 1.0
            for col in ("value", "lower", "upper"):
                cell = raw[col].strip()
                row[f"{col}_canonical"] = float(f"{float(cell) * f:.12g}") if NUMBER_RE.match(cell) else None
            row["unit_canonical"] = target
            row["conversion"] = (
                "none" if f == 1.0 and raw["unit"] == target else f"x {f:g} ({raw['unit']} -> {target})"
            )
        row["fact_ids"] = ids
        rows.append(row)
    return columns, rows, facts


def _unit_of(table: str, raw: dict, col: str) -> str:
    if table == "mediators":
        return "kDa"
    if table == "syndrome_cytokines":
        return "" if col == "n" else raw["unit"]
    if table == "purification_methods":
        prop = raw["property"]
        return {
            "cutoff_kda": "kDa",
            "size_window_kda": "kDa",
            "pore_nm": "nm",
            "albumin_loss_g": "g",
            "clearance_ml_min": "mL/min",
            "blood_flow_ml_min": "mL/min",
            "max_hours": "h",
            "removal_fraction": "fraction",
            "sieving_coefficient": "ratio",
        }.get(prop, "")
    return raw.get("unit", "")


SOURCE_COLUMNS = [
    "source_id",
    "csl_type",
    "citation",
    "year",
    "doi",
    "pmid",
    "url",
    "type",
    "access",
    "quality",
    "biblio_unverified",
    "n_facts",
    "note",
]


def sources(data: RawData, fact_rows: list[dict]) -> list[dict]:
    refs = {r["id"]: r for r in data.references}
    counts: dict[str, int] = {}
    for f in fact_rows:
        for sid in (s.strip() for s in str(f["source_id"]).split(";")):
            counts[sid] = counts.get(sid, 0) + 1
    rows = []
    for src in data.sources:
        ref = refs[src["source_id"]]
        rows.append(
            {
                "source_id": src["source_id"],
                "csl_type": ref["type"],
                "citation": short_citation(ref),
                "year": (ref.get("issued", {}).get("date-parts") or [[""]])[0][0],
                "doi": ref.get("DOI", ""),
                "pmid": ref.get("PMID", ""),
                "url": ref.get("URL", ""),
                "type": src["type"],
                "access": src["access"],
                "quality": src["quality"],
                "biblio_unverified": src["biblio_unverified"],
                "n_facts": counts.get(src["source_id"], 0),
                "note": src["note"],
            }
        )
    return sorted(rows, key=lambda r: r["source_id"])


def short_citation(ref: dict) -> str:
    """'Xiao et al. 2019' style label for tables; rendered from CSL fields, never from the id."""
    authors = ref.get("author", [])
    names = [a.get("family") or a.get("literal", "") for a in authors]
    if names:
        if len(names) > 2 or "et al." in names:
            name = f"{names[0]} et al."
        elif len(names) == 2:
            name = f"{names[0]} and {names[1]}"
        else:
            name = names[0]
    else:
        name = ref.get("container-title") or ref.get("title") or ref["id"]
    year = (ref.get("issued", {}).get("date-parts") or [[None]])[0][0]
    return f"{name} {year}" if year else f"{name} (n.d.)"

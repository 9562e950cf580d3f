"""Adopt the product side's compiled data into ``data/`` (run by hand, never by the app).

    python scripts/adopt_shared_data.py PATH/TO/shared

It maps ``data/incidents_compiled.csv`` to the canonical incident, adds the incidents
compiled since in ``data/additions/`` (``scripts/build_incidents.py``), copies the province
layer, gazetteer, populations and published reference counts, and prints every change it
made so that ``data/README.md`` can list them. Running it again gives the same files.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import build_incidents  # the sibling script (its folder is on the path when run)
import pandas as pd

from tracker import schema
from tracker.ingest import places

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

# Perpetrators' own claimed tolls, read from each row's notes by hand (see data/README.md).
KILLED_CLAIMED = {
    "PK24-0010": 12,  # BLA Majeed Brigade claimed "over a dozen" personnel killed (lower bound)
    "PK24-0024": 40,  # BLA claimed "more than 40" soldiers killed at Bela (lower bound)
    "BAL-0023": 90,  # BLA claimed 90 soldiers killed (official: 5)
    "BAL-1029": 362,  # BLA's claims rose from 84 to 362 personnel killed; the latest is kept
}

# Source links that point to another story. The row's own notes cite a report of this
# incident, which becomes its source; the compiled link is kept in the notes.
SOURCE_CORRECTIONS = {
    "BAL-0020": (  # the compiled link is Dawn's report of a grenade attack in Khuzdar
        "ARY News",
        "https://arynews.tv/jaffar-express-operation-complete-all-33-terrorists-killed-ispr/",
    ),
}


def main(shared: Path) -> None:
    _copy_geo(shared / "geo")
    shutil.copyfile(shared / "data" / "population.csv", DATA / "population.csv")
    shutil.copyfile(shared / "data" / "reference_counts.csv", DATA / "reference_counts.csv")
    places.provinces_table.cache_clear()
    places.districts_table.cache_clear()
    _adopt_incidents(shared / "data" / "incidents_compiled.csv")


def _copy_geo(geo: Path) -> None:
    layer = json.loads((geo / "pakistan_adm1.geojson").read_text(encoding="utf-8"))
    (DATA / "provinces.geojson").write_text(json.dumps(layer, separators=(",", ":")))
    shutil.copyfile(geo / "provinces.csv", DATA / "provinces.csv")
    shutil.copyfile(geo / "neighbours_adm0.geojson", DATA / "neighbours.geojson")
    gaz = pd.read_csv(geo / "gazetteer.csv", dtype=str, keep_default_na=False)
    gaz = gaz.rename(columns={"adm2_polygon": "parent_polygon"}).drop(columns=["in_adm2_layer"])
    gaz.to_csv(DATA / "districts.csv", index=False)


def _adopt_incidents(path: Path) -> None:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    points = places.district_points()
    prov_points = places.provinces_table().set_index("province")
    rows, changes = [], []
    for rec in raw.to_dict("records"):
        cid = rec["compiled_id"]
        district = places.resolve_district(rec["district"], rec["province"])
        if rec["district"] and district.value != rec["district"]:
            changes.append(
                f"{cid}: district {rec['district']!r} -> {district.value!r} ({district.kind})")
        perp = places.resolve_perpetrator(rec["perpetrator"])
        if perp.value != rec["perpetrator"]:
            changes.append(f"{cid}: perpetrator {rec['perpetrator']!r} -> {perp.value!r}")
        source_name, source_url, notes = rec["source_name"], rec["source_url"], rec["notes"]
        if cid in SOURCE_CORRECTIONS:
            source_name, source_url = SOURCE_CORRECTIONS[cid]
            notes = (f"{notes} Compiled source link {rec['source_url']} is a report of another "
                     f"incident; the ARY report cited above is used as the source instead.")
            changes.append(f"{cid}: source_url {rec['source_url']!r} -> {source_url!r}")
        if district.value:
            lat, lon = points.loc[district.value, ["lat", "lon"]]
            precision = "district"
        else:
            lat, lon = prov_points.loc[rec["province"], ["lat", "lon"]]
            precision = "province"
        rows.append(
            {
                "incident_id": cid,
                "date": rec["date"],
                "date_precision": "day",
                "province": rec["province"],
                "district": district.value,
                "location": rec["location"] or None,
                "latitude": round(float(lat), 5),
                "longitude": round(float(lon), 5),
                "geo_precision": precision,
                "attack_type": rec["attack_type"],
                "target": rec["target"],
                "perpetrator": perp.value,
                "claimed": rec["claimed"],
                "killed": rec["killed"] or None,
                "injured": rec["injured"] or None,
                "militants_killed": rec["militants_killed"] or None,
                "killed_claimed": KILLED_CLAIMED.get(cid),
                "summary": rec["summary"],
                "notes": notes or None,
                "source_name": source_name,
                "source_url": source_url,
                "batch_id": schema.SEED_BATCH,
            }
        )
    frame = schema.conform(pd.DataFrame(rows))
    _valid, problems = schema.validate(frame)
    if not problems.empty:
        print(problems.to_string())
        raise SystemExit("the adopted incidents do not validate")
    build_incidents.write(build_incidents.build(frame))
    print(f"{len(frame)} incidents adopted; {len(changes)} values normalised:")
    print("\n".join(changes))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))

"""Build ``data/incidents.csv``: the adopted compiled rows plus every ``data/additions/*.csv``.

    python scripts/build_incidents.py

Run by hand (never by the app). ``scripts/adopt_shared_data.py`` calls :func:`build` with the
rows it has just adopted; run alone, this script takes the adopted rows from the current
``data/incidents.csv`` (every row whose id is not an addition id), so running it again gives
the same file.

Each additions file holds incidents compiled from news reports, in the canonical columns,
batch ``seed``, with ids ``N<yy>-<nnnn>`` (``N24-0001``; ``N25-``/``N26-`` for later years).
A file is refused unless every row validates against the canonical schema and has an
http(s) source link; an id may not repeat; and the project's own duplicate check
(:func:`tracker.ingest.duplicates.find`) must find no probable twin for an addition among the
adopted rows or the other additions, unless that pair was read side by side and is listed
in :data:`REVIEWED` with the reason the two rows are different attacks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from tracker import schema
from tracker.ingest import duplicates

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ADDITIONS = DATA / "additions"
ADDITION_ID = r"^N\d{2}-\d{4}$"

# (addition id, twin id) -> why both reports were read and found to be two attacks.
REVIEWED: dict[tuple[str, str], str] = {}


def read_additions(folder: Path = ADDITIONS) -> pd.DataFrame:
    """Every additions file, conformed and validated; stops with the file's problems."""
    frames = []
    for path in sorted(folder.glob("*.csv")):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        frame = schema.conform(raw)
        _valid, problems = schema.validate(frame)
        bad_ids = ~frame["incident_id"].fillna("").str.match(ADDITION_ID)
        if not problems.empty or bad_ids.any():
            print(problems.to_string())
            print(frame.loc[bad_ids, "incident_id"].to_string())
            raise SystemExit(f"{path.name} does not validate (ids must look like N24-0001)")
        frames.append(frame)
    if not frames:
        return schema.empty_frame()
    return pd.concat(frames, ignore_index=True)


def adopted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of an incidents frame that did not come from an additions file."""
    return frame[~frame["incident_id"].str.match(ADDITION_ID)]


def probable_duplicates(additions: pd.DataFrame, adopted: pd.DataFrame) -> pd.DataFrame:
    """The duplicate check's findings for the additions, minus the pairs in REVIEWED."""
    stored = adopted[[*duplicates.KEY_COLUMNS, "batch_id"]].reset_index(drop=True)
    found = duplicates.find(additions.reset_index(drop=True), stored)
    if found.empty:
        return found
    ids = additions["incident_id"].reset_index(drop=True)
    found["addition"] = found["row"].map(ids)
    found["twin"] = [ids[int(r)] if pd.notna(r) else stored_id
                     for r, stored_id in zip(found["twin_row"], found["incident_id"], strict=True)]
    reviewed = [(a, t) in REVIEWED for a, t in zip(found["addition"], found["twin"], strict=True)]
    return found[[not r for r in reviewed]]


def build(adopted: pd.DataFrame) -> pd.DataFrame:
    """The adopted rows plus the additions, checked, ordered by date."""
    adopted = adopted_rows(adopted)
    additions = read_additions()
    clash = additions["incident_id"].isin(set(adopted["incident_id"]))
    if clash.any():
        raise SystemExit(f"addition ids already used: {list(additions.loc[clash, 'incident_id'])}")
    found = probable_duplicates(additions, adopted)
    if not found.empty:
        print(found[["addition", "twin", "certain", "reason"]].to_string(index=False))
        raise SystemExit("probable duplicates: read both reports, then drop the row, merge "
                         "its figures into notes, or list the pair in REVIEWED")
    frame = pd.concat([adopted, additions], ignore_index=True)
    frame = frame.sort_values("date", kind="mergesort").reset_index(drop=True)
    _valid, problems = schema.validate(frame)
    if not problems.empty:
        print(problems.to_string())
        raise SystemExit("the built incidents do not validate")
    print(f"{len(adopted)} adopted + {len(additions)} added = {len(frame)} incidents")
    return frame


def write(frame: pd.DataFrame, path: Path = DATA / "incidents.csv") -> None:
    """Write incidents in the bundled file's format (dates as YYYY-MM-DD)."""
    out = frame.copy()
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False)


def main() -> None:
    from tracker.store.database import read_canonical_csv

    write(build(read_canonical_csv(DATA / "incidents.csv")))


if __name__ == "__main__":
    if len(sys.argv) != 1:
        raise SystemExit(__doc__)
    main()

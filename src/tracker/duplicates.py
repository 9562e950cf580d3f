"""Probable duplicates: inside an upload and against the incidents already stored.

Two rows are the same incident when

- they carry the same incident id (a source event id such as ACLED's ``event_id_cnty``):
  *certain*, and such a row cannot be taken as new, since ids are unique; or
- they are in the same district, dated at most one day apart, with a similar attack type
  (the same, the same family — explosives, firearms — or one of them ``other``), no
  conflicting target (police and civilians are two incidents; the store's keys carry no
  target, so against the store only the file's side is known), and
  similar casualty counts: every count known on both sides agrees within a quarter of
  the larger (so counts below 4 must be equal), and at least one of killed/injured is
  above zero and agrees. Rows without comparable casualties are never matched this way.
  A shared source URL never makes a match (one report often covers several attacks:
  120 bundled rows share their URL with another row); it only ranks the twins and is
  named in the reason.

The earlier row (or the stored incident) is the original; the later one is held as a
probable duplicate, shown beside its twin, and may still be taken as new.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FAMILIES = {
    "bombing": "explosive", "suicide bombing": "explosive", "grenade attack": "explosive",
    "rocket attack": "explosive", "attack on infrastructure": "explosive",
    "armed assault": "firearm", "targeted killing": "firearm",
    "kidnapping": "kidnapping", "hijacking": "hijacking",
}
KEY_COLUMNS = ["incident_id", "date", "district", "attack_type", "target", "killed", "injured",
               "source_url"]
RESULT_COLUMNS = ["row", "incident_id", "twin_row", "certain", "reason"]


def find(
    new: pd.DataFrame,
    stored: pd.DataFrame | None = None,
    hidden_batches: set[str] | frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Probable duplicates among ``new`` rows (index = row number).

    Parameters
    ----------
    new
        Valid canonical rows of the upload (at least :data:`KEY_COLUMNS`).
    stored
        ``Store.incident_keys()``: the incidents already stored (with ``batch_id``).
    hidden_batches
        Withdrawn batches: their ids still block a reused id, but their rows are not
        offered as twins for a similar incident.

    Returns
    -------
    pandas.DataFrame
        One row per duplicate: ``row``, the twin's ``incident_id``, ``twin_row`` (the
        twin's row in the file, or NA for a stored twin), ``certain`` and ``reason``.
    """
    stored = stored if stored is not None else pd.DataFrame(columns=[*KEY_COLUMNS, "batch_id"])
    stored = stored.reindex(columns=[*KEY_COLUMNS, "batch_id"])
    new = new[KEY_COLUMNS].copy()
    found: list[pd.DataFrame] = []

    in_store = new["incident_id"].isin(set(stored["incident_id"]))
    if in_store.any():
        batch_of = stored.drop_duplicates("incident_id").set_index("incident_id")["batch_id"]
        withdrawn = new.loc[in_store, "incident_id"].map(batch_of).isin(hidden_batches)
        found.append(pd.DataFrame({
            "row": new.index[in_store], "incident_id": new.loc[in_store, "incident_id"],
            "twin_row": pd.NA, "certain": True,
            "reason": np.where(withdrawn, "same incident id as a stored incident in a "
                               "withdrawn batch (restore that batch instead)",
                               "same incident id as a stored incident"),
        }))
    rest = new[~in_store]
    repeated = rest["incident_id"].duplicated(keep="first")
    if repeated.any():
        firsts = ~rest["incident_id"].duplicated(keep="first")
        first_row = pd.Series(rest.index[firsts], index=rest.loc[firsts, "incident_id"])
        ids = rest.loc[repeated, "incident_id"]
        found.append(pd.DataFrame({
            "row": ids.index, "incident_id": ids.to_numpy(),
            "twin_row": ids.map(first_row).to_numpy(), "certain": True,
            "reason": "same incident id as an earlier row of this file",
        }))
    rest = rest[~repeated]

    visible = stored[~stored["batch_id"].isin(hidden_batches)] if len(stored) else stored
    if len(visible) and len(rest):
        pairs = _pairs(rest, visible[KEY_COLUMNS].reset_index(drop=True))
        if len(pairs):
            best = pairs.sort_values(["row", "score"], ascending=[True, False])
            best = best.drop_duplicates("row")
            found.append(pd.DataFrame({
                "row": best["row"].to_numpy(), "incident_id": best["twin_id"].to_numpy(),
                "twin_row": pd.NA, "certain": False, "reason": best["reason"].to_numpy(),
            }))
            rest = rest.drop(index=best["row"].to_numpy())
    if len(rest) > 1:
        found.append(_within(rest))
    if not found:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    out = pd.concat([f for f in found if len(f)], ignore_index=True) if any(
        len(f) for f in found) else pd.DataFrame(columns=RESULT_COLUMNS)
    out["twin_row"] = out["twin_row"].astype("Int64")
    return out.sort_values("row").reset_index(drop=True)[RESULT_COLUMNS]


def _within(rows: pd.DataFrame) -> pd.DataFrame:
    """Later rows of the file that match an earlier row that is itself kept."""
    keyed = rows[KEY_COLUMNS].copy()
    keyed["row"] = rows.index
    pairs = _pairs(rows, keyed.reset_index(drop=True))
    if pairs.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    pairs = pairs[pairs["twin_row"] < pairs["row"]]
    pairs = pairs.sort_values(["row", "score", "twin_row"], ascending=[True, False, True])
    held: dict[int, tuple[int, str, str]] = {}
    for row, twin_row, twin_id, reason in pairs[["row", "twin_row", "twin_id",
                                                 "reason"]].itertuples(index=False):
        if row in held or twin_row in held:
            continue
        held[int(row)] = (int(twin_row), twin_id, reason)
    return pd.DataFrame({
        "row": list(held), "incident_id": [v[1] for v in held.values()],
        "twin_row": [v[0] for v in held.values()], "certain": False,
        "reason": [v[2] for v in held.values()],
    })


def _pairs(new: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Matching (row, twin) pairs between ``new`` (index = row) and ``other``, scored.

    Candidates are found by one merge on an integer key (district code and day), tried for
    the day before, the same day and the day after; only those pairs are scored.
    """
    left = new[KEY_COLUMNS].copy()
    left["row"] = new.index
    left = left[left["district"].notna() & left["date"].notna()]
    right = other.copy()
    right = right[right["district"].notna() & right["date"].notna()]
    if left.empty or right.empty:
        return pd.DataFrame()
    right["date"] = pd.to_datetime(right["date"]).astype("datetime64[ns]")
    districts = pd.Index(pd.unique(pd.concat([left["district"], right["district"]]).to_numpy()))
    left["_key"] = _key(districts.get_indexer(left["district"]), left["date"])
    right["_key"] = _key(districts.get_indexer(right["district"]), right["date"])
    shifted = pd.concat([left.assign(_key=left["_key"] + k) for k in (-1, 0, 1)],
                        ignore_index=True)
    right = right.rename(columns={c: f"{c}_t" for c in right.columns
                                  if c not in ("row", "_key")})
    if "row" in right:
        right = right.rename(columns={"row": "twin_row"})
    pairs = shifted.merge(right, on="_key")
    if pairs.empty:
        return pd.DataFrame()
    if "twin_row" in pairs:
        pairs = pairs[pairs["twin_row"] != pairs["row"]]
    return _score(pairs)


def _key(district_codes: np.ndarray, dates: pd.Series) -> np.ndarray:
    """district code × 2**20 + days since 1970: equal keys mean same district and day."""
    days = dates.to_numpy(dtype="datetime64[D]").astype(np.int64)
    return district_codes.astype(np.int64) * (1 << 20) + days


def _score(pairs: pd.DataFrame) -> pd.DataFrame:
    same_type = pairs["attack_type"].eq(pairs["attack_type_t"])
    family = pairs["attack_type"].map(FAMILIES).eq(pairs["attack_type_t"].map(FAMILIES))
    either_other = pairs["attack_type"].eq("other") | pairs["attack_type_t"].eq("other")
    type_ok = same_type | family | either_other
    targets_differ = (pairs["target"].notna() & pairs["target_t"].notna()
                      & pairs["target"].ne(pairs["target_t"])
                      & pairs["target"].ne("other") & pairs["target_t"].ne("other"))

    agree_parts, compared, positive = [], [], []
    for col in ("killed", "injured"):
        a = pd.to_numeric(pairs[col], errors="coerce").astype(float)
        b = pd.to_numeric(pairs[f"{col}_t"], errors="coerce").astype(float)
        both = a.notna() & b.notna()
        tolerance = np.floor(0.25 * np.fmax(a, b))
        agree = (a - b).abs() <= tolerance
        agree_parts.append(~both | agree)
        compared.append(both)
        positive.append(both & agree & a.gt(0) & b.gt(0))
    counts_agree = agree_parts[0] & agree_parts[1]
    counts_match = positive[0] | positive[1]
    same_day = pairs["date"].eq(pairs["date_t"])
    same_url = pairs["source_url"].notna() & pairs["source_url"].eq(pairs["source_url_t"])

    duplicate = type_ok & ~targets_differ & counts_agree & counts_match
    pairs = pairs[duplicate].copy()
    if pairs.empty:
        return pd.DataFrame()
    sel = duplicate[duplicate].index
    score = (same_day[sel].astype(int) + same_type[sel].astype(int)
             + compared[0][sel].astype(int) + compared[1][sel].astype(int)
             + same_url[sel].astype(int))
    pairs["score"] = score
    pairs["twin_id"] = pairs["incident_id_t"]
    days = (pairs["date"] - pairs["date_t"]).dt.days.abs()
    reason = ("same district (" + pairs["district"].astype(str) + ") and "
              + np.where(days.eq(0), "same day", "dates a day apart"))
    reason = reason + np.where(same_type[sel], ", same attack type",
                               ", similar attack type (" + pairs["attack_type"].astype(str)
                               + " / " + pairs["attack_type_t"].astype(str) + ")")
    for col, both in zip(("killed", "injured"), compared, strict=True):
        mine = pd.to_numeric(pairs[col], errors="coerce").round().astype("Int64").astype(str)
        theirs = pd.to_numeric(pairs[f"{col}_t"], errors="coerce").round().astype("Int64")
        text = ", " + col + " " + mine + " / " + theirs.astype(str)
        reason = reason + np.where(both[sel], text, "")
    reason = reason + np.where(same_url[sel], ", same source URL", "")
    pairs["reason"] = reason
    if "twin_row" not in pairs:
        pairs["twin_row"] = pd.NA
    return pairs[["row", "twin_row", "twin_id", "score", "reason"]]

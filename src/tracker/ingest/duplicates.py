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

from collections.abc import Callable
from functools import partial

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
MAX_BLOCK = 200
"""Rows of one district on one day compared exhaustively; a denser block is compared
each row with its nearest rows only (reported in the result's ``attrs["dense"]``)."""
PAIRS_PER_SLICE = 2_000_000
"""Candidate pairs scored at a time: bounds the memory of the search."""
_FAMILY_NAMES = pd.Index(sorted(set(FAMILIES.values())))


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

    dense = 0
    visible = stored[~stored["batch_id"].isin(hidden_batches)] if len(stored) else stored
    if len(visible) and len(rest):
        pairs, reasons = _pairs(rest, visible[KEY_COLUMNS].reset_index(drop=True))
        dense += pairs.attrs.get("dense", 0)
        if len(pairs):
            best = pairs.sort_values(["row", "score", "_twin_pos"],
                                     ascending=[True, False, True], kind="stable")
            best = best.drop_duplicates("row")
            found.append(pd.DataFrame({
                "row": best["row"].to_numpy(), "incident_id": best["twin_id"].to_numpy(),
                "twin_row": pd.NA, "certain": False, "reason": reasons(best),
            }))
            rest = rest.drop(index=best["row"].to_numpy())
    if len(rest) > 1:
        within = _within(rest)
        dense += within.attrs.get("dense", 0)
        found.append(within)
    found = [f for f in found if len(f)]
    out = pd.concat(found, ignore_index=True) if found else pd.DataFrame(
        columns=RESULT_COLUMNS)
    out["twin_row"] = out["twin_row"].astype("Int64")
    out = out.sort_values("row", kind="stable").reset_index(drop=True)[RESULT_COLUMNS]
    out.attrs["dense"] = dense
    return out


def _within(rows: pd.DataFrame) -> pd.DataFrame:
    """Later rows of the file that match an earlier row that is itself kept."""
    keyed = rows[KEY_COLUMNS].copy()
    keyed["row"] = rows.index
    pairs, reasons = _pairs(rows, keyed.reset_index(drop=True))
    dense = pairs.attrs.get("dense", 0)
    if pairs.empty:
        out = pd.DataFrame(columns=RESULT_COLUMNS)
        out.attrs["dense"] = dense
        return out
    pairs = pairs.sort_values(["row", "score", "twin_row"], ascending=[True, False, True],
                              kind="stable")
    held: dict[int, int] = {}  # row → position of its pair in ``pairs``
    for at, (row, twin_row) in enumerate(zip(pairs["row"].tolist(),
                                             pairs["twin_row"].tolist(), strict=True)):
        if row in held or twin_row in held:
            continue
        held[row] = at
    chosen = pairs.iloc[list(held.values())]
    out = pd.DataFrame({
        "row": list(held), "incident_id": chosen["twin_id"].to_numpy(),
        "twin_row": chosen["twin_row"].to_numpy(dtype=np.int64), "certain": False,
        "reason": reasons(chosen),
    })
    out.attrs["dense"] = dense
    return out


def _pairs(new: pd.DataFrame, other: pd.DataFrame) -> tuple[pd.DataFrame, Callable]:
    """Matching (row, twin) pairs between ``new`` (index = row) and ``other``, scored, and
    the function that gives the reasons in words of some of those pairs.

    The reasons are worded only for the pairs finally chosen (a dense file has many more
    candidate matches than duplicates).

    Blocking: a row is compared only with rows of the same district dated the day before,
    the same day or the day after, found by binary search on an integer key (district
    code and day) over ``other`` sorted once. Only integer and float arrays are built per
    candidate pair, in slices of at most :data:`PAIRS_PER_SLICE`, so memory stays bounded
    whatever the density. A block (one district, one day) holding more than
    :data:`MAX_BLOCK` rows is not compared exhaustively: each row meets only the
    :data:`MAX_BLOCK` rows nearest to it by attack-type family and killed count, and the
    result's ``attrs["dense"]`` says how many rows that concerned.
    """
    left = new[KEY_COLUMNS].copy()
    left["row"] = new.index
    left = left[left["district"].notna() & left["date"].notna()]
    right = other
    right = right[right["district"].notna() & right["date"].notna()]
    empty = pd.DataFrame(columns=["row", "twin_row", "twin_id", "score", "reason"])
    if left.empty or right.empty:
        return empty, _no_reasons
    within = "row" in right
    lc, rc = _coded(left, None if within else right)
    order = np.lexsort((rc.sub, rc.key))
    r_key, r_comp = rc.key[order], rc.comp[order]
    pieces, dense_rows = [], set()
    starts, ends = [], []
    keys, at = np.unique(lc.key, return_inverse=True)  # searched once per district-day
    for shift in (-1, 0, 1):
        key = keys + shift
        lo = np.searchsorted(r_key, key, "left")[at]
        hi = np.searchsorted(r_key, key, "right")[at]
        big = (hi - lo) > MAX_BLOCK
        if big.any():
            pos = np.searchsorted(r_comp, lc.comp_at(shift)[big])
            half = MAX_BLOCK // 2
            w_lo = np.clip(pos - half, lo[big], None)
            w_hi = np.minimum(w_lo + MAX_BLOCK, hi[big])
            w_lo = np.maximum(w_hi - MAX_BLOCK, lo[big])
            lo, hi = lo.copy(), hi.copy()
            lo[big], hi[big] = w_lo, w_hi
            dense_rows.update(lc.row[big].tolist())
        starts.append(lo)
        ends.append(hi)
    lo = np.concatenate(starts)
    hi = np.concatenate(ends)
    who = np.tile(np.arange(len(lc.row)), 3)
    counts = hi - lo
    keep = counts > 0
    lo, hi, who, counts = lo[keep], hi[keep], who[keep], counts[keep]
    cum = np.cumsum(counts)
    start = 0
    while start < len(counts):
        base = cum[start - 1] if start else 0
        stop = int(np.searchsorted(cum, base + PAIRS_PER_SLICE, "right"))
        stop = max(stop, start + 1)
        n = counts[start:stop]
        li = np.repeat(who[start:stop], n)
        offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        ri = order[np.repeat(lo[start:stop], n) + offsets]
        if within:  # a later row against an earlier one
            mine = lc.row[li] > rc.row[ri]
            li, ri = li[mine], ri[mine]
        found = _match(lc, rc, li, ri)
        if found is not None:
            pieces.append(found)
        start = stop
    out = _scored(pieces, right, lc, rc, within) if pieces else empty
    out.attrs["dense"] = len(dense_rows)
    return out, partial(_reasons, left=left, right=right, lc=lc, rc=rc)


class _Coded:
    """The key columns of one side as integer and float arrays (what pairs are scored on).

    Text columns are coded jointly for both sides (``codes``: column → integer codes,
    ``uniques``: column → the values they stand for), so equal codes mean equal text.
    """

    def __init__(self, frame: pd.DataFrame, codes: dict[str, np.ndarray],
                 uniques: dict[str, np.ndarray]) -> None:
        self.row = (frame["row"].to_numpy(dtype=np.int64) if "row" in frame
                    else np.full(len(frame), -1, dtype=np.int64))
        day = pd.to_datetime(frame["date"]).to_numpy(dtype="datetime64[D]").astype(np.int64)
        self.day = day
        self.key = _key(codes["district"], day)
        self.type = codes["attack_type"]
        kinds = pd.Series(uniques["attack_type"], dtype=object)
        family = np.append(_FAMILY_NAMES.get_indexer(kinds.map(FAMILIES)), -1)
        self.family = family[self.type]  # code -1 (missing) picks the appended -1
        self.other_type = np.append(kinds.eq("other").to_numpy(), False)[self.type]
        self.target = codes["target"]
        aims = pd.Series(uniques["target"], dtype=object)
        self.has_target = (self.target >= 0) & ~np.append(aims.eq("other").to_numpy(),
                                                           True)[self.target]
        self.killed = pd.to_numeric(frame["killed"], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
        self.injured = pd.to_numeric(frame["injured"], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
        self.url = codes["source_url"]
        self.has_url = self.url >= 0
        killed = np.where(np.isnan(self.killed), 4095, np.clip(self.killed, 0, 4094))
        self.sub = (self.family.astype(np.int64) + 1) * 4096 + killed.astype(np.int64)
        self.comp = self.key * (1 << 16) + self.sub

    def comp_at(self, shift: int) -> np.ndarray:
        return (self.key + shift) * (1 << 16) + self.sub


def _coded(left: pd.DataFrame, right: pd.DataFrame | None) -> tuple[_Coded, _Coded]:
    """Both sides coded with shared codes (the same side twice when ``right`` is None)."""
    columns = ("district", "attack_type", "target", "source_url")
    both = left if right is None else pd.concat([left[list(columns)], right[list(columns)]],
                                                ignore_index=True)
    codes, uniques = {}, {}
    for c in columns:
        codes[c], found = pd.factorize(both[c])
        uniques[c] = np.asarray(found, dtype=object)
    lc = _Coded(left, {c: v[:len(left)] for c, v in codes.items()}, uniques)
    if right is None:
        return lc, lc
    return lc, _Coded(right, {c: v[len(left):] for c, v in codes.items()}, uniques)


def _match(lc: _Coded, rc: _Coded, li: np.ndarray, ri: np.ndarray):
    """The candidate pairs (positions ``li`` in ``lc``, ``ri`` in ``rc``) that are duplicates."""
    same_type = lc.type[li] == rc.type[ri]
    fam_l, fam_r = lc.family[li], rc.family[ri]
    type_ok = same_type | ((fam_l == fam_r) & (fam_l >= 0)) | lc.other_type[li] | rc.other_type[ri]
    targets_differ = lc.has_target[li] & rc.has_target[ri] & (lc.target[li] != rc.target[ri])
    ok = type_ok & ~targets_differ
    compared, agree_all, positive = [], ok, np.zeros(len(li), dtype=bool)
    for a_all, b_all in ((lc.killed, rc.killed), (lc.injured, rc.injured)):
        a, b = a_all[li], b_all[ri]
        both = ~np.isnan(a) & ~np.isnan(b)
        with np.errstate(invalid="ignore"):
            agree = np.abs(a - b) <= np.floor(0.25 * np.fmax(a, b))
            positive |= both & agree & (a > 0) & (b > 0)
        agree_all = agree_all & (~both | agree)
        compared.append(both)
    hit = agree_all & positive
    if not hit.any():
        return None
    same_day = lc.day[li] == rc.day[ri]
    same_url = lc.has_url[li] & rc.has_url[ri] & (lc.url[li] == rc.url[ri])
    score = (same_day.astype(int) + same_type + compared[0] + compared[1] + same_url)
    return li[hit], ri[hit], score[hit]


def _scored(pieces, right: pd.DataFrame, lc: _Coded, rc: _Coded,
            within: bool) -> pd.DataFrame:
    """The matched pairs with their twin id and score (``_left_pos``, ``_twin_pos``: their
    positions in the two sides, for :func:`_reasons`)."""
    li = np.concatenate([p[0] for p in pieces])
    ri = np.concatenate([p[1] for p in pieces])
    score = np.concatenate([p[2] for p in pieces])
    return pd.DataFrame({"row": lc.row[li], "twin_row": rc.row[ri] if within else pd.NA,
                         "twin_id": right["incident_id"].to_numpy()[ri], "score": score,
                         "_twin_pos": ri, "_left_pos": li})


def _no_reasons(pairs: pd.DataFrame) -> np.ndarray:
    return np.array([], dtype=object)


def _reasons(pairs: pd.DataFrame, *, left: pd.DataFrame, right: pd.DataFrame, lc: _Coded,
             rc: _Coded) -> np.ndarray:
    """The reason in words of each of ``pairs`` (rows of :func:`_scored`)."""
    li = pairs["_left_pos"].to_numpy(dtype=np.int64)
    ri = pairs["_twin_pos"].to_numpy(dtype=np.int64)
    a = left.iloc[li].reset_index(drop=True)
    b = right.iloc[ri].reset_index(drop=True)
    days = np.abs(lc.day[li] - rc.day[ri])
    same_type = lc.type[li] == rc.type[ri]
    reason = ("same district (" + a["district"].astype(str) + ") and "
              + np.where(days == 0, "same day", "dates a day apart"))
    reason = reason + np.where(same_type, ", same attack type",
                               ", similar attack type (" + a["attack_type"].astype(str)
                               + " / " + b["attack_type"].astype(str) + ")")
    for col, mine_all, theirs_all in (("killed", lc.killed, rc.killed),
                                      ("injured", lc.injured, rc.injured)):
        mine, theirs = mine_all[li], theirs_all[ri]
        both = ~np.isnan(mine) & ~np.isnan(theirs)
        text = (", " + col + " " + pd.Series(np.round(mine)).astype("Int64").astype(str)
                + " / " + pd.Series(np.round(theirs)).astype("Int64").astype(str))
        reason = reason + np.where(both, text, "")
    same_url = lc.has_url[li] & rc.has_url[ri] & (lc.url[li] == rc.url[ri])
    reason = reason + np.where(same_url, ", same source URL", "")
    return np.asarray(reason.to_numpy() if hasattr(reason, "to_numpy") else reason,
                      dtype=object)


def _key(district_codes: np.ndarray, days: np.ndarray) -> np.ndarray:
    """district code × 2**20 + days since 1970: equal keys mean same district and day."""
    return district_codes.astype(np.int64) * (1 << 20) + days

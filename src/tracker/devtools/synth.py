"""Synthetic incidents for load tests: seeded, realistic in shape, labelled in every column.

The generator exists to measure the app at sizes no real sample reaches (up to millions
of rows). Its distributions follow the bundled real sample in shape — Khyber Pakhtunkhwa
and Balochistan dominate, police and security forces are the commonest targets, most
attacks go unclaimed, casualty counts are heavy-tailed and often unreported — but every
row is invented, so every row says so: ``incident_id`` starts with ``SYN-``,
``source_name`` is ``SYNTHETIC``, ``source_url`` points into ``example.invalid`` (a domain
that can never resolve), ``summary`` and ``notes`` start with ``SYNTHETIC —`` and
``batch_id`` with ``synthetic-``. Synthetic files are never bundled; when a store holds
any, :func:`is_synthetic` lets the app say so on every page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from tracker import config, schema
from tracker.ingest import places

ID_PREFIX = "SYN-"
SOURCE_NAME = "SYNTHETIC"
URL_PREFIX = "https://example.invalid/synthetic/"
TEXT_PREFIX = "SYNTHETIC — "
BATCH_PREFIX = "synthetic-"

DEFAULT_START = dt.date(2015, 1, 1)
DEFAULT_END = dt.date(2025, 12, 31)

PROVINCE_WEIGHTS: dict[str, float] = {
    "Khyber Pakhtunkhwa": 0.53,
    "Balochistan": 0.38,
    "Punjab": 0.04,
    "Sindh": 0.03,
    "Islamabad Capital Territory": 0.007,
    "Gilgit-Baltistan": 0.008,
    "Azad Jammu and Kashmir": 0.005,
}
"""Share of incidents per province, rounded from the bundled real sample (KP ≈ 55 %,
Balochistan ≈ 39 %), with a little weight left for the provinces it barely covers."""

ATTACK_TYPE_WEIGHTS: dict[str, float] = {
    "armed assault": 0.44, "bombing": 0.16, "suicide bombing": 0.08, "grenade attack": 0.09,
    "targeted killing": 0.08, "attack on infrastructure": 0.05, "kidnapping": 0.04,
    "other": 0.03, "rocket attack": 0.02, "hijacking": 0.01,
}
TARGET_WEIGHTS: dict[str, float] = {
    "police": 0.42, "security forces": 0.22, "civilians": 0.16, "government officials": 0.06,
    "infrastructure": 0.05, "political": 0.03, "other": 0.03, "foreign nationals": 0.015,
    "religious site": 0.015,
}
PERPETRATOR_WEIGHTS: dict[str, dict[str, float]] = {
    "Khyber Pakhtunkhwa": {
        "Unknown": 0.74, "TTP": 0.16, "Hafiz Gul Bahadur group": 0.04, "Jamaat-ul-Ahrar": 0.015,
        "ISKP": 0.015, "Lashkar-e-Islam": 0.01, "Ittehad-ul-Mujahideen Pakistan": 0.01,
        "TTP; Hafiz Gul Bahadur group": 0.01,
    },
    "Balochistan": {
        "Unknown": 0.72, "BLA": 0.18, "BLF": 0.04, "Baloch Republican Guards": 0.02,
        "BRAS": 0.01, "Islamic State (Pakistan province)": 0.01, "TTP": 0.01,
        "Jaish al-Adl": 0.01,
    },
    "other": {
        "Unknown": 0.86, "TTP": 0.06, "Lashkar-e-Jhangvi": 0.03, "Tehreek-e-Jihad Pakistan": 0.02,
        "Jaish-e-Muhammad": 0.01, "ISKP": 0.01, "BLA": 0.01,
    },
}
"""Perpetrators by region: Baloch separatist groups in Balochistan, TTP and allies in KP,
and most attacks claimed by nobody — as in the bundled sample."""

CLAIM_SHARE = 0.22
"""Share of incidents with a named group that are ``claimed`` (the rest ``attributed``)."""

UNREPORTED = {"killed": 0.07, "injured": 0.32, "militants_killed": 0.80, "killed_claimed": 0.96}
"""Share of incidents whose figure is left empty (not reported), per count column.

A claimed toll exists only where a group is named; 0.96 of those leave it empty, so about
1 % of all incidents carry one, as in the bundled sample."""

_JITTER_DEG = 0.06
"""Spread (standard deviation, degrees) of points around their district's gazetteer point."""


def generate(rows: int, seed: int = 0, *, start: dt.date = DEFAULT_START,
             end: dt.date = DEFAULT_END) -> pd.DataFrame:
    """A canonical frame of ``rows`` synthetic incidents, the same for the same seed.

    Parameters
    ----------
    rows
        Number of incidents (0 or more).
    seed
        Seed of the random generator; it is also part of every id and the batch id, so
        two files with different seeds never share an incident id.
    start, end
        First and last possible date. Incidents grow more frequent over time, with a few
        surge days, like the real record.

    Returns
    -------
    pandas.DataFrame
        Canonical columns and dtypes (:func:`tracker.schema.conform`), valid against the
        schema, every row labelled synthetic.
    """
    if rows < 0:
        raise ValueError(f"`rows` was {rows} but is expected to be 0 or more")
    if end < start:
        raise ValueError(f"`end` was {end} but is expected to be on or after {start}")
    rng = np.random.default_rng(seed)
    n = rows

    province = _draw(rng, PROVINCE_WEIGHTS, n)
    district, lat, lon = _districts(rng, province)
    dates = _dates(rng, n, start, end)
    attack_type = _draw(rng, ATTACK_TYPE_WEIGHTS, n)
    target = _draw(rng, TARGET_WEIGHTS, n)
    perpetrator = _perpetrators(rng, province)
    named = perpetrator != schema.UNKNOWN_PERPETRATOR
    claimed = np.where(
        named, np.where(rng.random(n) < CLAIM_SHARE / (CLAIM_SHARE + 0.2), "claimed",
                        "attributed"), "unknown"
    ).astype(object)

    killed = _heavy_tail(rng, n, zero_share=0.38, scale=1.4, shape=1.9)
    injured = _heavy_tail(rng, n, zero_share=0.29, scale=2.5, shape=1.7)
    suicide = attack_type == "suicide bombing"
    injured = np.where(suicide, injured * 3 + 5, injured)
    killed = np.where(suicide, killed * 2 + 1, killed)
    militants = 1 + _heavy_tail(rng, n, zero_share=0.0, scale=2.0, shape=1.8)
    claimed_toll = killed + 5 + _heavy_tail(rng, n, zero_share=0.0, scale=20.0, shape=1.5)

    number = np.arange(n)
    ids = pd.Series(number).map(f"{ID_PREFIX}{seed}-{{:07d}}".format).astype(object)
    where = pd.Series(district, dtype=object)
    kind = pd.Series(attack_type, dtype=object)
    aim = pd.Series(target, dtype=object)

    frame = pd.DataFrame(
        {
            "incident_id": ids,
            "date": pd.to_datetime(dates),
            "date_precision": "day",
            "province": pd.Series(province, dtype=object),
            "district": where,
            "location": TEXT_PREFIX + "site " + pd.Series(rng.integers(1, 400, n)).astype(str)
            + " near " + where,
            "latitude": lat.round(5),
            "longitude": lon.round(5),
            "geo_precision": "town",
            "attack_type": kind,
            "target": aim,
            "perpetrator": pd.Series(perpetrator, dtype=object),
            "claimed": pd.Series(claimed, dtype=object),
            "killed": _unreported(rng, killed, UNREPORTED["killed"]),
            "injured": _unreported(rng, injured, UNREPORTED["injured"]),
            "militants_killed": _unreported(rng, militants, UNREPORTED["militants_killed"]),
            "killed_claimed": _unreported(
                rng, np.where(named, claimed_toll, 0), UNREPORTED["killed_claimed"], keep=named
            ),
            "summary": TEXT_PREFIX + "generated " + kind + " on " + aim + " in " + where
            + "; not a real incident (" + ids + ").",
            "notes": f"{TEXT_PREFIX}test data from `tracker synth` (seed {seed}); "
            "no such incident was reported.",
            "source_name": SOURCE_NAME,
            "source_url": URL_PREFIX + ids,
            "batch_id": batch_id(seed),
        }
    )
    return schema.conform(frame)


def batch_id(seed: int) -> str:
    """The batch id a synthetic file carries (``synthetic-<seed>``)."""
    return f"{BATCH_PREFIX}{seed}"


def write(frame: pd.DataFrame, path: Path) -> Path:
    """Write a synthetic frame as CSV (``.csv``) or Parquet (``.parquet``), by extension.

    CSV keeps empty cells for unreported counts; dates are written as ``YYYY-MM-DD``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".csv":
        path.write_bytes(to_csv_bytes(frame))
    else:
        raise ValueError(f"`path` ended in {suffix!r} but is expected to end in .csv or .parquet")
    return path


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A synthetic frame as the CSV ``tracker synth`` writes (the file users ingest)."""
    out = frame.copy()
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False).encode("utf-8")


def csv_bytes(rows: int, seed: int = 0) -> bytes:
    """``rows`` synthetic incidents as CSV bytes: what tests and benchmarks upload."""
    return to_csv_bytes(generate(rows, seed))


def synthetic_mask(frame: pd.DataFrame) -> pd.Series:
    """True for each row that carries the synthetic label (id, source name or URL)."""
    if frame.empty:
        return pd.Series(False, index=frame.index)
    mask = frame["source_name"].eq(SOURCE_NAME).fillna(False).astype(bool)
    # The prefix checks are the costly part: run them only on rows not yet found.
    for column, prefix in (("incident_id", ID_PREFIX), ("source_url", URL_PREFIX)):
        rest = ~mask
        if not rest.any():
            break
        found = frame.loc[rest, column].astype(str).str.startswith(prefix)
        mask.loc[rest] = found.fillna(False).astype(bool)
    return mask


def synthetic_count(frame: pd.DataFrame) -> int:
    """How many rows of a frame are synthetic (0 for real data)."""
    return int(synthetic_mask(frame).sum())


def is_synthetic(frame: pd.DataFrame) -> bool:
    """Whether any row of a frame is synthetic: the app shows a banner when it is."""
    return synthetic_count(frame) > 0


def banner_text(synthetic: int, total: int) -> str:
    """The warning shown above every page when the store holds synthetic incidents."""
    share = "all" if synthetic == total else f"{synthetic:,} of {total:,}"
    return (
        f"SYNTHETIC DATA: {share} incidents in this store were generated for load testing "
        "by `tracker synth`. They are not real attacks; do not cite these figures."
    )


# --- drawing -----------------------------------------------------------------------------


def _draw(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    names = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return names[rng.choice(len(names), size=n, p=p / p.sum())]


def _district_weights() -> pd.DataFrame:
    """Gazetteer districts with a weight: the bundled sample's count, plus a floor.

    Districts hit often in the real record (Bannu, Quetta, Lakki Marwat...) are hit often
    here; every district keeps some weight so the whole gazetteer appears at scale.
    """
    table = places.districts_table()[["district", "province", "lat", "lon"]].copy()
    try:
        real = pd.read_csv(config.data_dir() / "incidents.csv", usecols=["district"])
        counts = real["district"].value_counts()
    except (OSError, ValueError):
        counts = pd.Series(dtype="int64")
    table["weight"] = table["district"].map(counts).fillna(0).to_numpy() + 0.5
    return table


def _districts(rng: np.random.Generator, province: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = _district_weights()
    n = len(province)
    district = np.empty(n, dtype=object)
    lat = np.empty(n, dtype=float)
    lon = np.empty(n, dtype=float)
    for name in PROVINCE_WEIGHTS:
        rows = np.flatnonzero(province == name)
        cand = table[table["province"] == name]
        if rows.size == 0 or cand.empty:
            continue
        p = cand["weight"].to_numpy() / cand["weight"].sum()
        pick = rng.choice(len(cand), size=rows.size, p=p)
        district[rows] = cand["district"].to_numpy()[pick]
        lat[rows] = cand["lat"].to_numpy()[pick]
        lon[rows] = cand["lon"].to_numpy()[pick]
    base_lat, base_lon = lat.copy(), lon.copy()
    lat = lat + rng.normal(0, _JITTER_DEG, n)
    lon = lon + rng.normal(0, _JITTER_DEG, n)
    if n:
        # Points must stay inside their own province: any that the jitter pushed across a
        # border go back to the district's gazetteer point.
        from tracker import geo

        found = geo.province_of_points(pd.Series(lat), pd.Series(lon)).to_numpy(dtype=object)
        outside = found != province
        lat[outside] = base_lat[outside]
        lon[outside] = base_lon[outside]
    return district, lat, lon


def _dates(rng: np.random.Generator, n: int, start: dt.date, end: dt.date) -> np.ndarray:
    days = (end - start).days + 1
    t = np.arange(days) / max(days - 1, 1)
    rate = 0.4 + 1.6 * t**2  # violence rising over the period, as since 2021
    surges = rng.choice(days, size=max(days // 200, 1), replace=False)
    rate[surges] *= 12
    day = rng.choice(days, size=n, p=rate / rate.sum())
    return np.datetime64(start, "D") + day.astype("timedelta64[D]")


def _perpetrators(rng: np.random.Generator, province: np.ndarray) -> np.ndarray:
    out = np.empty(len(province), dtype=object)
    regional = {"Khyber Pakhtunkhwa", "Balochistan"}
    for region, weights in PERPETRATOR_WEIGHTS.items():
        rows = (np.flatnonzero(province == region) if region in regional
                else np.flatnonzero(~np.isin(province, list(regional))))
        out[rows] = _draw(rng, weights, rows.size)
    return out


def _heavy_tail(rng: np.random.Generator, n: int, *, zero_share: float, scale: float,
                shape: float) -> np.ndarray:
    """Counts with many zeros and a long right tail (a discretised Pareto)."""
    values = np.floor(scale * (rng.pareto(shape, n) + 1) - scale * 0.5).astype(np.int64)
    values = np.clip(values, 1, 400)
    values[rng.random(n) < zero_share] = 0
    return values


def _unreported(rng: np.random.Generator, values: np.ndarray, share: float,
                keep: np.ndarray | None = None) -> pd.Series:
    """Counts as nullable Int64 with a share left empty (unreported, never 0)."""
    missing = rng.random(len(values)) < share
    if keep is not None:
        missing |= ~keep
    return pd.Series(pd.array(values, dtype="Int64")).mask(missing)

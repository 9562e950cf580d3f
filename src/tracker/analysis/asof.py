"""Views "as of" a moment: the link parameter, its wording, and the stamp on exports.

A link with ``?as_of=2026-02-24T10:00:00Z`` shows the data as it stood then (the store
decides which batches: :func:`tracker.store.database.visible_batches`), so a link sent after a
briefing gives the same numbers next month. Moments are naive UTC datetimes throughout,
as the store reads them back. A batch id may stand for the moment that batch was committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import pandas as pd

from tracker.present.text import clip, plural

PARAM = "as_of"
EXAMPLE = "2026-02-24T10:00:00Z"


def now() -> dt.datetime:
    """The present moment, naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def parse(raw: str, *, at: dt.datetime | None = None,
          batch_moments: Mapping[str, dt.datetime] | None = None
          ) -> tuple[dt.datetime | None, str | None]:
    """The moment a link's ``as_of`` names, or None with a notice saying why it was ignored.

    Accepts ISO 8601 (``2026-02-24T10:00:00Z``, an offset, or no zone meaning UTC; a bare
    date means its midnight UTC) or a batch id found in ``batch_moments``. A moment after
    ``at`` (default: now) is refused: the data then is not known yet.

    >>> parse("2025-03-16T08:30:00Z", at=dt.datetime(2026, 1, 1))
    (datetime.datetime(2025, 3, 16, 8, 30), None)
    >>> parse("soon", at=dt.datetime(2026, 1, 1))[0] is None
    True
    """
    text = str(raw).strip()
    shown = clip(text)
    if batch_moments and text in batch_moments:
        return batch_moments[text], None
    try:
        moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" and text
                                           else text)
    except ValueError:
        return None, (f"Ignored '{PARAM}={shown}': not a moment (use {EXAMPLE}, in UTC) nor "
                      "a batch id. Showing the live data.")
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    if moment > (at or now()):
        return None, (f"Ignored '{PARAM}={shown}': that moment is in the future. Showing the "
                      "live data.")
    return moment, None


def to_param(moment: dt.datetime) -> str:
    """The URL form: ``2026-02-24T10:00:00Z`` (fractions of a second only when present)."""
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def label(moment: dt.datetime) -> str:
    """'24 Feb 2026 10:00 UTC' (no platform-specific date codes)."""
    return f"{moment.day} {moment:%b %Y %H:%M} UTC"


def data_line(moment: dt.datetime, frame: pd.DataFrame) -> str:
    """'data as of 24 Feb 2026 10:00 UTC: 353 incidents in 3 batches'."""
    n = len(frame)
    k = int(frame["batch_id"].nunique()) if "batch_id" in frame.columns else 0
    return (f"data as of {label(moment)}: {plural(n, 'incident')} in "
            f"{plural(k, 'batch', 'batches')}")


def link_query(params: Mapping[str, Sequence[str]], moment: dt.datetime | None) -> str:
    """The query string of the same view as of ``moment`` (None: the live view).

    Every value is percent-encoded, so link text from the URL cannot break out of it.
    """
    pairs = [(k, v) for k, values in params.items() if k != PARAM for v in values]
    if moment is not None:
        pairs.append((PARAM, to_param(moment)))
    return "?" + urlencode(pairs, safe=":") if pairs else "?"


def stamp_png(png: bytes, line: str) -> bytes:
    """The image with ``line`` written in a band under it (exported images say their
    moment), drawn here so that it never overlaps the chart's own legend or labels."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.open(io.BytesIO(png)).convert("RGB")
    size = max(12, image.width // 60)
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", size)
    except OSError:  # no such font here: Pillow's own
        font = ImageFont.load_default(size)
    band = int(size * 2.2)
    out = Image.new("RGB", (image.width, image.height + band), "white")
    out.paste(image, (0, 0))
    draw = ImageDraw.Draw(out)
    text = line
    while text and draw.textlength(text, font=font) > image.width - 2 * size:
        text = text[:-2] + "…"
    draw.text((size, image.height + band // 2), text, fill="#333333", font=font, anchor="lm")
    buffer = io.BytesIO()
    out.save(buffer, format="PNG")
    return buffer.getvalue()


def stamp_csv(data: bytes, line: str) -> bytes:
    """CSV bytes with ``line`` as a title line above the header (the importer skips it)."""
    bom = "\ufeff".encode()
    body = data[len(bom):] if data.startswith(bom) else data
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow([line])
    return bom + buffer.getvalue().encode("utf-8") + body

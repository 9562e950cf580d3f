"""Links "as of" a moment, on the page: the notice on such a view, and "copy a link".

The moment itself is read from the URL by :func:`tracker.ui.data.as_of` (it decides which
incidents load); the wording is :mod:`tracker.analysis.asof`.
"""

from __future__ import annotations

import streamlit as st

from tracker.analysis import asof
from tracker.present.safety import plain_text
from tracker.ui import data

COPY_LABEL = "Copy a link to this view as of now"


def notice(container=None, *, compact: bool = False) -> None:
    """On a view from an ``as_of`` link: say so, say whether newer data exists, and link
    to the live view. Also shows why a link's ``as_of`` was ignored, if it was.

    ``compact``: one caption line (presenter mode, where the slide must fit the screen).
    """
    box = container if container is not None else st
    for text in st.session_state.get(data.AS_OF_NOTICES_KEY, []):
        st.sidebar.warning(plain_text(text), icon="⚠️")  # notices quote the link
    moment = data.as_of()
    if moment is None:
        return
    newer = data.store().changed_since(moment)
    live = asof.link_query(_params(), None)  # percent-encoded: safe inside the link
    if compact:
        box.caption(f"Data as of {asof.label(moment)}"
                    + ("; newer data exists" if newer else "") + f". [Live view]({live})")
        return
    text = (f"This link shows the data as it stood on {asof.label(moment)}: uploads, "
            "withdrawals and reviews after that moment are left out.")
    if newer:
        text += " **Newer data exists.**"
    box.info(f"{text} [Open the live view]({live})", icon=":material/history:")


def copy_link(container=None, *, titled: bool = True) -> None:
    """"Copy a link to this view as of now": the address with ``as_of`` set to now (or to
    the moment the view already shows), in a code box (its copy button needs no outside
    script)."""
    box = container if container is not None else st
    shown = data.as_of()  # a view already as of a moment keeps that moment
    query = asof.link_query(_params(), shown or asof.now())
    base = str(st.context.url or "").split("?", 1)[0]
    if shown is None:
        lead = f"{COPY_LABEL}: it" if titled else "It"
        box.caption(f"{lead} keeps showing these numbers after later uploads and withdrawals.")
    else:
        box.caption(f"A link to this view with the data as of {asof.label(shown)}, as shown.")
    box.code(base + query, language=None, wrap_lines=True)


def _params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}

"""Where the presenter is: the slide number and step in the URL, and moving between them.

The slide number and step live in the URL (``?slide=N&step=K``, both counted from 1);
:func:`read_position` turns untrusted URL values into a valid position plus notices, never
an exception.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker.present.deck import Deck
from tracker.present.text import clip, last_value

SLIDE_PARAM, STEP_PARAM, PRESENT_PARAM = "slide", "step", "present"


@dataclass(frozen=True)
class Position:
    """Where the presenter is: a slide index (from 0) and, on a stepped slide, a step (from 1)."""

    index: int
    step: int | None = None

    @property
    def number(self) -> int:
        """The slide number shown to people and used in the URL (from 1)."""
        return self.index + 1




def read_position(params: Mapping[str, Any], deck: Deck) -> tuple[Position, list[str]]:
    """The slide and step a URL asks for, made valid, with a notice for anything changed.

    ``params`` maps query parameter names to a value or a list of values (the last one
    counts). A missing slide means the first; a number outside the deck, or not a number,
    opens the nearest valid slide with a notice. The same holds for ``step``.
    """
    notices: list[str] = []
    raw_slide = last_value(params.get(SLIDE_PARAM))
    index = 0
    if raw_slide is not None:
        number = _whole(raw_slide)
        if number is None:
            notices.append(f"Slide '{clip(raw_slide, 20)}' is not a number; showing slide 1.")
        elif not 1 <= number <= len(deck):
            index = len(deck) - 1 if number > len(deck) else 0
            notices.append(
                f"There is no slide {number}: the sequence has {len(deck)} slides; "
                f"showing slide {index + 1}."
            )
        else:
            index = number - 1
    slide = deck.slides[index]
    raw_step = last_value(params.get(STEP_PARAM))
    if not slide.step_count:
        return Position(index, None), notices
    step = 1
    if raw_step is not None:
        number = _whole(raw_step)
        if number is None or not 1 <= number <= slide.step_count:
            step = slide.step_count if number is not None and number > slide.step_count else 1
            notices.append(
                f"Step '{clip(raw_step, 20)}' does not exist on this slide "
                f"(it has {slide.step_count}); showing step {step}."
            )
        else:
            step = number
    return Position(index, step), notices


def next_position(deck: Deck, position: Position) -> Position | None:
    """One step on (steps first, then the next slide); None at the end."""
    slide = deck.slides[position.index]
    if slide.step_count and position.step is not None and position.step < slide.step_count:
        return Position(position.index, position.step + 1)
    if position.index + 1 >= len(deck):
        return None
    following = deck.slides[position.index + 1]
    return Position(position.index + 1, 1 if following.step_count else None)


def previous_position(deck: Deck, position: Position) -> Position | None:
    """One step back (steps first, then the previous slide at its last step); None at start."""
    if position.step is not None and position.step > 1:
        return Position(position.index, position.step - 1)
    if position.index == 0:
        return None
    before = deck.slides[position.index - 1]
    return Position(position.index - 1, before.step_count or None)


def query_for(position: Position) -> dict[str, str]:
    """The page-owned query parameters that open ``position`` (a shareable link)."""
    out = {PRESENT_PARAM: "1", SLIDE_PARAM: str(position.number)}
    if position.step is not None:
        out[STEP_PARAM] = str(position.step)
    return out


def _whole(text: str) -> int | None:
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,6}", text):
        return None
    return int(text)

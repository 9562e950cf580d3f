"""The deck's pages: text never under 14 pt; what does not fit continues on the next slide."""

from __future__ import annotations

from tracker.present import deck_layout
from tracker.present.deck_layout import MIN_PT, Bullet


def test_short_text_keeps_a_large_size_in_one_box():
    parts = deck_layout.split([Bullet("TTP", "A short point.")], width_in=4.7, height_in=5.2)
    assert len(parts) == 1 and parts[0][1] == deck_layout.LARGEST_PT


def test_long_text_is_split_never_shrunk_below_the_minimum():
    bullets = [Bullet(f"theme {i}", "word " * 90) for i in range(6)]
    parts = deck_layout.split(bullets, width_in=4.7, height_in=5.2)
    assert len(parts) > 1
    assert all(size >= MIN_PT for _, size in parts)
    assert all(deck_layout.fit_size(part, width_in=4.7, height_in=5.2) for part, _ in parts)
    kept = " ".join(b.text for part, _ in parts for b in part).replace(" … … ", " ")
    assert kept.split() == ("word " * 90 * 6).split()  # every word kept, in order


def test_one_bullet_too_long_for_a_box_is_cut_at_words():
    parts = deck_layout.split([Bullet("x", "word " * 600)], width_in=4.7, height_in=5.2)
    assert len(parts) >= 2 and parts[0][0][0].text.endswith(" …")
    assert parts[1][0][0].text.startswith("… ")


def test_the_sources_slide_is_one_page_and_counts_the_rest():
    outlets = [(f"Outlet {i}", 100 - i) for i in range(90)]
    pages = deck_layout.sources_pages(outlets, notes="all")
    assert len(pages) == 1 and pages[0].title == "Sources" and pages[0].size >= MIN_PT
    shown = [b for b in pages[0].bullets if b.label]
    rest = pages[0].bullets[-1].text
    assert rest.startswith(f"{90 - len(shown)} other outlets")
    assert [b.label for b in shown] == [f"Outlet {i}" for i in range(len(shown))]

"""Briefings as data: YAML in, a deck out; the surge slide found in the data; CLI choices."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.present import briefing, slides

YAML = """\
name: districts-brief
title: Attacks in two districts
presenter: A. Rahman
districts: [Bannu, Lakki Marwat]
start: 2025-03-01
end: 2025-05-31
slides: [headline, map, surge, attack_types, targets, takeaways]
"""


def test_a_yaml_briefing_becomes_a_deck(tmp_path, bundled):
    path = tmp_path / "b.yaml"
    path.write_text(YAML, encoding="utf-8")
    made = briefing.load_yaml(path)
    deck = made.to_deck(bundled)
    assert [s.id for s in deck.slides] == ["headline", "map", "surge", "attack-types",
                                           "targets", "takeaways"]
    assert deck.cover.presenter == "A. Rahman" and deck.cover.date is None
    assert all(s.spec.districts == ("Bannu", "Lakki Marwat") for s in deck.slides)
    assert deck.slides[1].figure == "district_map"
    assert made.regions == ("Khyber Pakhtunkhwa",)  # takeaways of the districts' province
    surge = deck.slides[2]
    if surge.steps == "day":  # the largest surge of the area overlapping the period
        assert surge.spec.start <= dt.date(2025, 5, 31) and surge.step_count <= 31
        frame = slides.slide_frame(surge, bundled)
        assert len(frame) > 0
    else:
        assert surge.title.endswith("no surge found in this period")


def test_a_bad_yaml_briefing_is_refused_with_its_problems(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(YAML.replace("Bannu", "Atlantis").replace("targets", "weather"),
                    encoding="utf-8")
    with pytest.raises(briefing.BriefingError) as caught:
        briefing.load_yaml(path)
    text = " ".join(caught.value.problems)
    assert "unknown district 'Atlantis'" in text and "slides.4" in text


def test_export_deck_takes_one_source_of_slides(tmp_path, app_store):
    path = tmp_path / "b.yaml"
    path.write_text(YAML, encoding="utf-8")
    run = CliRunner().invoke(main, ["export-deck", "--out", str(tmp_path / "x.pptx"),
                                    "--briefing", "x", "--from-yaml", str(path)])
    assert run.exit_code != 0 and "give one of" in run.output
    run = CliRunner().invoke(main, ["export-deck", "--out", str(tmp_path / "x.pptx"),
                                    "--briefing", "nothing-saved"])
    assert run.exit_code != 0 and "no briefing is saved as 'nothing-saved'" in run.output

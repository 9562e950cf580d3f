import pytest

from tracker.ingest import places


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KP", "Khyber Pakhtunkhwa"), ("KPK", "Khyber Pakhtunkhwa"), ("NWFP", "Khyber Pakhtunkhwa"),
        ("K-P", "Khyber Pakhtunkhwa"), ("Khyber Pakhtoonkhwa", "Khyber Pakhtunkhwa"),
        ("FATA", "Khyber Pakhtunkhwa"), ("Baluchistan", "Balochistan"),
        ("ICT", "Islamabad Capital Territory"),
        ("GB", "Gilgit-Baltistan"), ("AJK", "Azad Jammu and Kashmir"), ("PK-BA", "Balochistan"),
        ("balochistan", "Balochistan"),
    ],
)
def test_province_aliases(text, expected):
    assert places.resolve_province(text).value == expected


def test_province_fuzzy_match_is_marked_fuzzy():
    m = places.resolve_province("Balochistaan")
    assert m.value == "Balochistan"
    assert m.fuzzy


def test_unknown_province_is_not_guessed():
    assert places.resolve_province("Bavaria").value is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("D.I. Khan", "Dera Ismail Khan"), ("Dera Ismail Khan", "Dera Ismail Khan"),
        ("N. Waziristan", "North Waziristan"), ("Miranshah", "North Waziristan"),
        ("Nushki", "Nushki"), ("Noshki", "Nushki"), ("Qalat", "Kalat"), ("Turbat", "Kech"),
        ("South Waziristan (Lower)", "Lower South Waziristan"), ("Kachhi (Bolan)", "Kachhi"),
        ("Karachi Korangi", "Karachi"), ("Khyber Agency", "Khyber"),
    ],
)
def test_district_aliases(text, expected):
    assert places.resolve_district(text).value == expected


def test_district_fuzzy_match_within_province():
    m = places.resolve_district("Mastong", "Balochistan")
    assert m.value == "Mastung"
    assert m.fuzzy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tehrik-i-Taliban Pakistan", "TTP"), ("Fitna al-Khawarij", "TTP"), ("BLA-Azad", "BLA"),
        ("Baloch Liberation Front", "BLF"), ("", "Unknown"), (None, "Unknown"),
        ("TTP; Hafiz Gul Bahadur group", "TTP; Hafiz Gul Bahadur group"),
    ],
)
def test_perpetrator_aliases(text, expected):
    assert places.resolve_perpetrator(text).value == expected


def test_new_group_is_kept_as_written_and_flagged():
    m = places.resolve_perpetrator("Some New Front")
    assert m.value == "Some New Front"
    assert m.kind == "none"


def test_gazetteer_aliases_are_unambiguous():
    seen: dict[str, str] = {}
    for row in places.districts_table().itertuples():
        for name in [row.district, *[a for a in row.aliases.split("|") if a]]:
            key = places.normalise(name)
            assert seen.setdefault(key, row.district) == row.district, name

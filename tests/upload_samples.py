"""Small upload files built in code for the ingest tests: every one SYNTHETIC.

Nothing here describes a real event: summaries and notes say "SYNTHETIC", links point to
``example.invalid``, and ids are made up. The column layouts follow the published formats
(ACLED export, GTD, UCDP GED) so that the mapping code meets the headers it will meet in
real files; the values are invented for the tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl

URL = "https://example.invalid/test/"

CANONICAL_HEADER = [
    "incident_id", "date", "date_precision", "province", "district", "location", "latitude",
    "longitude", "geo_precision", "attack_type", "target", "perpetrator", "claimed", "killed",
    "injured", "militants_killed", "killed_claimed", "summary", "notes", "source_name",
    "source_url",
]

URDU = "دھماکہ میں دو افراد ہلاک، مصنوعی ٹیسٹ"  # "two killed in a blast, synthetic test"


def canonical_rows() -> list[dict[str, object]]:
    """Four valid canonical rows (one with an Urdu summary) in different provinces."""
    return [
        {"incident_id": "T-0001", "date": "2025-03-16", "date_precision": "day",
         "province": "Khyber Pakhtunkhwa", "district": "Bannu", "location": "SYNTHETIC town",
         "latitude": "", "longitude": "", "geo_precision": "district",
         "attack_type": "bombing", "target": "police", "perpetrator": "TTP",
         "claimed": "claimed", "killed": "2", "injured": "5", "militants_killed": "",
         "killed_claimed": "", "summary": URDU, "notes": "SYNTHETIC",
         "source_name": "SYNTHETIC", "source_url": URL + "1"},
        {"incident_id": "T-0002", "date": "2025-03-17", "date_precision": "day",
         "province": "Balochistan", "district": "Kech", "location": "SYNTHETIC village",
         "latitude": "26.02327", "longitude": "63.07343", "geo_precision": "district",
         "attack_type": "armed assault", "target": "security forces", "perpetrator": "BLA",
         "claimed": "claimed", "killed": "4", "injured": "", "militants_killed": "1",
         "killed_claimed": "20", "summary": "SYNTHETIC row two.", "notes": "",
         "source_name": "SYNTHETIC", "source_url": URL + "2"},
        {"incident_id": "T-0003", "date": "2025-04-02", "date_precision": "day",
         "province": "Sindh", "district": "Karachi", "location": "SYNTHETIC street",
         "latitude": "", "longitude": "", "geo_precision": "district",
         "attack_type": "targeted killing", "target": "civilians",
         "perpetrator": "Unknown", "claimed": "unknown", "killed": "1", "injured": "0",
         "militants_killed": "", "killed_claimed": "", "summary": "SYNTHETIC café – row",
         "notes": "", "source_name": "SYNTHETIC", "source_url": URL + "3"},
        {"incident_id": "T-0004", "date": "2025-05-09", "date_precision": "day",
         "province": "Punjab", "district": "Lahore", "location": "",
         "latitude": "", "longitude": "", "geo_precision": "district",
         "attack_type": "grenade attack", "target": "religious site",
         "perpetrator": "Unknown", "claimed": "unknown", "killed": "", "injured": "3",
         "militants_killed": "", "killed_claimed": "", "summary": "SYNTHETIC row four.",
         "notes": "", "source_name": "SYNTHETIC", "source_url": URL + "4"},
    ]


def to_csv(rows: list[dict[str, object]], header: list[str] | None = None,
           delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    """Rows as CSV bytes in the given separator and encoding (``utf-8-sig`` adds a BOM)."""
    header = header or list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
    return buffer.getvalue().encode(encoding)


def to_xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook with the given sheets (each a list of rows, header first)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- a messy researcher spreadsheet ----------------------------------------------------------

MESSY_HEADER = ["S.No", "Date of attack", "Province", "District", "Type", "Target",
                "Shaheed", "Injured", "Group", "Source", "Link", "Details"]


def messy_rows() -> list[list[object]]:
    """A researcher's log as typed: mixed date styles, spellings, loose counts, one blank
    row, one repeated incident. Rows in the sheet: header 1, data 2-14 (row 9 blank)."""
    return [
        MESSY_HEADER,
        [1, dt.datetime(2025, 3, 16), "KPK", "D.I. Khan", "IED blast", "Police", "12+", 3,
         "Fitna al-Khawarij", "SYNTHETIC", URL + "m1", URDU],                        # row 2
        [2, "16 March 2025", "Baluchistan", "Noshki", "suicide attack", "army", "at least 5",
         None, "BLA", "SYNTHETIC", URL + "m2", "SYNTHETIC convoy"],                   # row 3
        [3, "03/04/2025", "Punjab", "Lahore", "firing", "civilian", 2, 1, None, "SYNTHETIC",
         URL + "m3", "SYNTHETIC ambiguous date"],                                     # row 4
        [4, "2025-02-30", "Sindh", "Karachi", "firing", "police", 1, 0, None, "SYNTHETIC",
         URL + "m4", "SYNTHETIC impossible date"],                                    # row 5
        [5, 45735, "FATA", "Khyber Agency", "Rocket", "FC", None, None, "TTP", "SYNTHETIC",
         URL + "m5", "SYNTHETIC Excel serial date"],                                  # row 6
        [6, "2025-03-20", "KP", "Peshawr", "bombing", "civilians", "3", "10", "Unknown",
         "SYNTHETIC", URL + "m6", "SYNTHETIC misspelt district"],                     # row 7
        [7, "21-Mar-25", "Sindh", "Quetta", "bombing", "police", "1", "", "", "SYNTHETIC",
         URL + "m7", "SYNTHETIC district in the wrong province"],                     # row 8
        [None] * len(MESSY_HEADER),                                                   # row 9
        [8, "2025-03-22", "Punjab", "Lahore", "drone strike", "police", "1", "", "",
         "SYNTHETIC", URL + "m8", "SYNTHETIC unknown attack type"],                   # row 10
        [9, "2025-03-23", "Khyber Pakhtunkhwa", "Bannu", "armed assault", "police", "many",
         "-2", "", "SYNTHETIC", URL + "m9", "SYNTHETIC bad counts"],                  # row 11
        [10, "2025-03-24", "Balochistan", "Kech", "bombing", "security forces", "6", "4",
         "BLF", "SYNTHETIC", "www.example.invalid/no-scheme", "SYNTHETIC bad link"],  # row 12
        [11, "2025-03-17", "Balochistan", "Nushki", "suicide bombing", "security forces",
         "6", "", "BLA", "SYNTHETIC", URL + "m11", "SYNTHETIC same convoy again"],     # row 13
        [12, "2025-03-25", "Gilgit-Baltistan", "Diamer", "arson", "infrastructure", "0", "0",
         "Some New Front", "SYNTHETIC", URL + "m12", "SYNTHETIC new group"],          # row 14
    ]


MESSY_MAPPING = {
    "Date of attack": "date", "Province": "province",
    "District": "district", "Type": "attack_type", "Target": "target", "Shaheed": "killed",
    "Injured": "injured", "Group": "perpetrator", "Source": "source_name",
    "Link": "source_url", "Details": "summary",
}


# --- outside formats -------------------------------------------------------------------------

ACLED_HEADER = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
]


def acled_rows() -> list[dict[str, object]]:
    """Eight ACLED-shaped rows: three attacks kept, four not (protest, state strike,
    another country twice) and one whose admin1 disagrees with its coordinates."""
    base = {"year": 2025, "time_precision": 1, "iso": 586, "region": "Southern Asia",
            "country": "Pakistan", "source": "SYNTHETIC Daily", "source_scale": "National",
            "tags": "", "timestamp": 1742169600, "interaction": "", "civilian_targeting": "",
            "assoc_actor_1": "", "assoc_actor_2": "", "admin3": "", "geo_precision": 1}
    return [
        {**base, "event_id_cnty": "PAK90001", "event_date": "16 March 2025",
         "disorder_type": "Political violence", "event_type": "Explosions/Remote violence",
         "sub_event_type": "Remote explosive/landmine/IED",
         "actor1": "Unidentified Armed Group (Pakistan)", "inter1": "Political militia",
         "actor2": "Police Forces of Pakistan (2018-)", "inter2": "State forces",
         "admin1": "Khyber Pakhtunkhwa", "admin2": "Bannu", "location": "SYNTHETIC place",
         "latitude": 32.83132, "longitude": 70.65333, "notes": "SYNTHETIC blast.",
         "fatalities": 2},
        {**base, "event_id_cnty": "PAK90002", "event_date": "2025-03-17",
         "disorder_type": "Political violence", "event_type": "Battles",
         "sub_event_type": "Armed clash", "actor1": "Military Forces of Pakistan (2018-)",
         "inter1": "State forces", "actor2": "TTP: Tehreek-i-Taliban Pakistan",
         "inter2": "Rebel group", "admin1": "Khyber Pakhtunkhwa",
         "admin2": "North Waziristan", "location": "SYNTHETIC post",
         "latitude": 32.92097, "longitude": 70.09328,
         "notes": "SYNTHETIC clash; TTP claimed responsibility.", "fatalities": 7},
        {**base, "event_id_cnty": "PAK90003", "event_date": "18 March 2025",
         "disorder_type": "Demonstrations", "event_type": "Protests",
         "sub_event_type": "Peaceful protest", "actor1": "Protesters (Pakistan)",
         "inter1": "Protesters", "actor2": "", "inter2": "", "admin1": "Punjab",
         "admin2": "Lahore", "location": "SYNTHETIC square", "latitude": 31.4336,
         "longitude": 74.3367, "notes": "SYNTHETIC protest.", "fatalities": 0},
        {**base, "event_id_cnty": "PAK90004", "event_date": "19 March 2025",
         "disorder_type": "Political violence", "event_type": "Explosions/Remote violence",
         "sub_event_type": "Air/drone strike", "actor1": "Military Forces of Pakistan (2018-)",
         "inter1": "State forces", "actor2": "TTP: Tehreek-i-Taliban Pakistan",
         "inter2": "Rebel group", "admin1": "Khyber Pakhtunkhwa",
         "admin2": "North Waziristan", "location": "SYNTHETIC hills",
         "latitude": 32.92097, "longitude": 70.09328, "notes": "SYNTHETIC strike.",
         "fatalities": 3},
        {**base, "event_id_cnty": "AFG90005", "event_date": "19 March 2025",
         "country": "Afghanistan", "disorder_type": "Political violence",
         "event_type": "Battles", "sub_event_type": "Armed clash", "actor1": "SYNTHETIC A",
         "inter1": "Rebel group", "actor2": "SYNTHETIC B", "inter2": "Rebel group",
         "admin1": "Kabul", "admin2": "Kabul", "location": "SYNTHETIC", "latitude": 34.5,
         "longitude": 69.2, "notes": "SYNTHETIC elsewhere.", "fatalities": 1},
        {**base, "event_id_cnty": "PAK90006", "event_date": "20 March 2025",
         "disorder_type": "Political violence", "event_type": "Violence against civilians",
         "sub_event_type": "Attack", "actor1": "BLA: Baloch Liberation Army",
         "inter1": "Rebel group", "actor2": "Civilians (Pakistan)", "inter2": "Civilians",
         "admin1": "Balochistan", "admin2": "Kech", "location": "SYNTHETIC road",
         "latitude": 26.02327, "longitude": 63.07343, "notes": "SYNTHETIC attack.",
         "fatalities": 4},
        {**base, "event_id_cnty": "IND90007", "event_date": "20 March 2025",
         "country": "India", "disorder_type": "Political violence", "event_type": "Battles",
         "sub_event_type": "Armed clash", "actor1": "SYNTHETIC C", "inter1": "Rebel group",
         "actor2": "SYNTHETIC D", "inter2": "Rebel group", "admin1": "Punjab",
         "admin2": "Amritsar", "location": "SYNTHETIC", "latitude": 31.6,
         "longitude": 74.9, "notes": "SYNTHETIC elsewhere.", "fatalities": 0},
        {**base, "event_id_cnty": "PAK90008", "event_date": "21 March 2025",
         "disorder_type": "Political violence", "event_type": "Explosions/Remote violence",
         "sub_event_type": "Grenade", "actor1": "Unidentified Armed Group (Pakistan)",
         "inter1": "Political militia", "actor2": "Civilians (Pakistan)",
         "inter2": "Civilians", "admin1": "Balochistan", "admin2": "",
         "location": "SYNTHETIC market", "latitude": 31.4336, "longitude": 74.3367,
         "notes": "SYNTHETIC grenade.", "fatalities": 1},
    ]


GTD_HEADER = [
    "eventid", "iyear", "imonth", "iday", "approxdate", "extended", "country_txt",
    "provstate", "city", "latitude", "longitude", "specificity", "attacktype1_txt",
    "targtype1_txt", "weapsubtype1_txt", "suicide", "gname", "claimed", "nkill", "nwound",
    "nkillter", "nwoundte", "summary", "scite1", "dbsource",
]


def gtd_rows() -> list[dict[str, object]]:
    """Seven GTD-shaped rows: unknown day, unknown month, another country, FATA, GTD's
    unknown codes, a suicide bombing."""
    base = {"approxdate": "", "extended": 0, "weapsubtype1_txt": "", "suicide": 0,
            "nwoundte": "", "scite1": "SYNTHETIC citation", "dbsource": "SYNTHETIC"}
    return [
        {**base, "eventid": 201501050001, "iyear": 2015, "imonth": 1, "iday": 5,
         "country_txt": "Pakistan", "provstate": "Khyber Pakhtunkhwa", "city": "Peshawar",
         "latitude": 33.91184, "longitude": 71.56606, "specificity": 1,
         "attacktype1_txt": "Bombing/Explosion", "targtype1_txt": "Police",
         "gname": "Tehrik-i-Taliban Pakistan (TTP)", "claimed": 1, "nkill": 3, "nwound": 5,
         "nkillter": 1, "summary": "SYNTHETIC GTD row."},
        {**base, "eventid": 201502000002, "iyear": 2015, "imonth": 2, "iday": 0,
         "country_txt": "Pakistan", "provstate": "Balochistan", "city": "Quetta",
         "latitude": 30.11065, "longitude": 66.81829, "specificity": 1,
         "attacktype1_txt": "Armed Assault", "targtype1_txt": "Private Citizens & Property",
         "gname": "Unknown", "claimed": "", "nkill": 1, "nwound": 0, "nkillter": 0,
         "summary": "SYNTHETIC day unknown."},
        {**base, "eventid": 201500000003, "iyear": 2015, "imonth": 0, "iday": 0,
         "country_txt": "Pakistan", "provstate": "Sindh", "city": "Karachi",
         "latitude": 25.03062, "longitude": 67.207, "specificity": 1,
         "attacktype1_txt": "Assassination", "targtype1_txt": "Government (General)",
         "gname": "Unknown", "claimed": 0, "nkill": 1, "nwound": 0, "nkillter": 0,
         "summary": "SYNTHETIC month unknown."},
        {**base, "eventid": 201503010004, "iyear": 2015, "imonth": 3, "iday": 1,
         "country_txt": "Afghanistan", "provstate": "Kabul", "city": "Kabul",
         "latitude": 34.5, "longitude": 69.2, "specificity": 1,
         "attacktype1_txt": "Armed Assault", "targtype1_txt": "Military", "gname": "Unknown",
         "claimed": 0, "nkill": 2, "nwound": 1, "nkillter": 0, "summary": "SYNTHETIC."},
        {**base, "eventid": 201504020005, "iyear": 2015, "imonth": 4, "iday": 2,
         "country_txt": "Pakistan", "provstate": "Federally Administered Tribal Areas",
         "city": "Miran Shah", "latitude": "", "longitude": "", "specificity": 5,
         "attacktype1_txt": "Facility/Infrastructure Attack",
         "targtype1_txt": "Educational Institution", "gname": "Unknown", "claimed": -9,
         "nkill": -99, "nwound": -99, "nkillter": "", "summary": "SYNTHETIC FATA row."},
        {**base, "eventid": 201505030006, "iyear": 2015, "imonth": 5, "iday": 3,
         "country_txt": "Pakistan", "provstate": "Balochistan", "city": "Quetta",
         "latitude": 30.11065, "longitude": 66.81829, "specificity": 1, "suicide": 1,
         "attacktype1_txt": "Bombing/Explosion", "targtype1_txt": "Military",
         "gname": "Lashkar-e-Jhangvi", "claimed": 0, "nkill": 9, "nwound": 20,
         "nkillter": 1, "summary": "SYNTHETIC suicide bombing."},
        {**base, "eventid": 201506310007, "iyear": 2015, "imonth": 6, "iday": 31,
         "country_txt": "Pakistan", "provstate": "Punjab", "city": "Lahore",
         "latitude": 31.4336, "longitude": 74.3367, "specificity": 1,
         "attacktype1_txt": "Armed Assault", "targtype1_txt": "Police", "gname": "Unknown",
         "claimed": 0, "nkill": 1, "nwound": 0, "nkillter": 0,
         "summary": "SYNTHETIC impossible day."},
    ]


UCDP_HEADER = [
    "id", "relid", "year", "active_year", "type_of_violence", "conflict_name", "dyad_name",
    "side_a", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "where_prec", "where_coordinates",
    "where_description", "adm_1", "adm_2", "latitude", "longitude", "country", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low",
]


def ucdp_rows() -> list[dict[str, object]]:
    """Six UCDP-shaped rows: state-based, one-sided, unplaceable, too vague a date,
    another country, and two states fighting."""
    base = {"relid": "SYN", "year": 2024, "active_year": 1, "number_of_sources": 1,
            "source_article": "SYNTHETIC source", "source_office": "SYNTHETIC",
            "source_date": "2024-05-02", "source_headline": "SYNTHETIC headline",
            "where_description": "SYNTHETIC", "region": "Asia", "event_clarity": 1,
            "high": "", "low": "", "deaths_unknown": 0}
    return [
        {**base, "id": 900001, "type_of_violence": 1, "conflict_name": "Pakistan: Government",
         "dyad_name": "Government of Pakistan - TTP", "side_a": "Government of Pakistan",
         "side_b": "TTP", "where_prec": 1, "where_coordinates": "SYNTHETIC town",
         "adm_1": "Khyber Pakhtunkhwa province", "adm_2": "Bannu district",
         "latitude": 32.83132, "longitude": 70.65333, "country": "Pakistan", "date_prec": 1,
         "date_start": "2024-05-01 00:00:00.000", "date_end": "2024-05-01 00:00:00.000",
         "deaths_a": 3, "deaths_b": 2, "deaths_civilians": 0, "best": 5, "high": 6,
         "low": 5},
        {**base, "id": 900002, "type_of_violence": 3, "conflict_name": "IS - Civilians",
         "dyad_name": "IS - Civilians", "side_a": "ISKP", "side_b": "Civilians",
         "where_prec": 2, "where_coordinates": "SYNTHETIC village", "adm_1": "Balochistan",
         "adm_2": "Quetta district", "latitude": 30.11065, "longitude": 66.81829,
         "country": "Pakistan", "date_prec": 2, "date_start": "2024-06-01",
         "date_end": "2024-06-03", "deaths_a": 0, "deaths_b": 0, "deaths_civilians": 4,
         "best": 4},
        {**base, "id": 900003, "type_of_violence": 1, "conflict_name": "Pakistan: Balochistan",
         "dyad_name": "Government of Pakistan - BLA", "side_a": "Government of Pakistan",
         "side_b": "BLA", "where_prec": 6, "where_coordinates": "Pakistan", "adm_1": "",
         "adm_2": "", "latitude": 30.0, "longitude": 70.0, "country": "Pakistan",
         "date_prec": 1, "date_start": "2024-07-01", "date_end": "2024-07-01",
         "deaths_a": 1, "deaths_b": 0, "deaths_civilians": 0, "best": 1},
        {**base, "id": 900004, "type_of_violence": 1, "conflict_name": "Pakistan: Balochistan",
         "dyad_name": "Government of Pakistan - BLA", "side_a": "Government of Pakistan",
         "side_b": "BLA", "where_prec": 3, "where_coordinates": "Kech district",
         "adm_1": "Balochistan province", "adm_2": "Kech district", "latitude": 26.02327,
         "longitude": 63.07343, "country": "Pakistan", "date_prec": 5,
         "date_start": "2024-01-01", "date_end": "2024-03-31", "deaths_a": 2, "deaths_b": 0,
         "deaths_civilians": 0, "best": 2},
        {**base, "id": 900005, "type_of_violence": 1, "conflict_name": "Afghanistan",
         "dyad_name": "SYNTHETIC", "side_a": "Government of Afghanistan",
         "side_b": "SYNTHETIC", "where_prec": 1, "where_coordinates": "SYNTHETIC",
         "adm_1": "Kabul province", "adm_2": "", "latitude": 34.5, "longitude": 69.2,
         "country": "Afghanistan", "date_prec": 1, "date_start": "2024-08-01",
         "date_end": "2024-08-01", "deaths_a": 1, "deaths_b": 1, "deaths_civilians": 0,
         "best": 2},
        {**base, "id": 900006, "type_of_violence": 1, "conflict_name": "India - Pakistan",
         "dyad_name": "Government of India - Government of Pakistan",
         "side_a": "Government of India", "side_b": "Government of Pakistan",
         "where_prec": 1, "where_coordinates": "SYNTHETIC", "adm_1": "Punjab province",
         "adm_2": "Lahore district", "latitude": 31.4336, "longitude": 74.3367,
         "country": "Pakistan", "date_prec": 1, "date_start": "2024-09-01",
         "date_end": "2024-09-01", "deaths_a": 0, "deaths_b": 1, "deaths_civilians": 0,
         "best": 1},
    ]

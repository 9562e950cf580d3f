def test_incident_list_has_every_row_with_source_links(app, bundled):
    at = app("pages/data.py")
    table = at.dataframe[0].value
    assert len(table) == len(bundled)
    assert set(table["source_url"]) == set(bundled["source_url"])

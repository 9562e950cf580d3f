"""Balochistan: districts, timeline, perpetrators and targets (the shared province template)."""

from tracker.ui import province_page

province_page.render("Balochistan")

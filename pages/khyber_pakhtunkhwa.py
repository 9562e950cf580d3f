"""Khyber Pakhtunkhwa (former FATA included): the shared province template."""

from tracker.ui import province_page

province_page.render("Khyber Pakhtunkhwa")

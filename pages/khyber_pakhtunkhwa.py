"""Khyber Pakhtunkhwa (former FATA included): the shared province template."""

from tracker.ui import layout, province_page

layout.start_page()  # before anything draws (a link may be a fresh server's first)

province_page.render("Khyber Pakhtunkhwa")

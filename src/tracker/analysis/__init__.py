"""The analysis layer: what a view selects and what it counts; frames in, frames out.

``filters`` is the filter spec and its link form, ``coded`` the fast integer-coded path over the
big shared table, ``analytics`` the aggregates and surges, ``coverage`` how complete the sample is
against published counts, ``context`` the border and CPEC layers, ``asof`` views as of a moment.
"""

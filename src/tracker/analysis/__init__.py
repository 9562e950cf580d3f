"""The analysis layer: what a view selects and what it counts; frames in, frames out.

``filters`` is the filter spec and its link form, ``coded`` the fast integer-coded path over the
big shared table, ``aggregates`` the counts, ``surge_detection`` rolling windows and surges,
``comparison`` periods side by side, ``coverage`` how complete the sample is
against published counts, ``context`` the border and CPEC layers, ``asof`` views as of a moment.
"""

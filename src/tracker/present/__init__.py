"""The presentation layer: figures, tables, words and exports, with no Streamlit.

``charts`` builds plotly figures, ``slides`` the briefing sequence, ``export`` the offline PNG,
PPTX, PDF, CSV and Excel files, ``summary`` the view in words, ``wording`` the analysis'
changes, surges and rates in sentences, ``text`` the small text helpers every layer shares,
``safety`` the rules that keep user text plain and spreadsheets formula-free.
"""

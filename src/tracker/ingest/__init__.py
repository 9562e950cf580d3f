"""The ingest layer: a researcher's file in, one report out, then one batch saved.

``readers`` turns bytes into text cells, ``formats`` recognises ACLED, GTD and UCDP exports,
``mappings`` maps the columns of any other log, ``normalise`` and ``locate`` read the values
and the places, ``duplicates`` finds probable twins, and ``pipeline`` runs the steps in order.
"""

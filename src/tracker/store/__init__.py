"""The store layer: incidents, batches and the audit log in one database, and every way of reading them.

``database`` holds the :class:`~tracker.store.database.Store`; ``columnar`` and ``pgcopy`` are the
fast bulk paths of SQLite and PostgreSQL; ``visibility`` is the one rule of which batches a reader
sees; ``migrations`` brings the tables to the newest schema; ``transfer`` moves a whole store.
"""

"""The store layer: incidents, batches and the audit log in one database, and every way of
reading them.

``tables`` describes the tables once; ``database`` holds the
:class:`~tracker.store.database.Store`; ``columnar`` and ``pgcopy`` are the fast bulk paths of
SQLite and PostgreSQL; ``visibility`` is the one SQL clause of which batches a reader sees;
``migrations`` brings the tables to the newest schema; ``transfer`` moves a whole store.
"""

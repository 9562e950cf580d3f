"""Pakistan incident tracker: militant attacks mapped by province, district and time.

Everything here runs and is tested without a browser; ``app.py`` and ``pages/`` only read
widgets and call into this package.
"""

__version__ = "0.1.0"

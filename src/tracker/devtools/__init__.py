"""Tools for measuring the app: the seeded synthetic generator and ``tracker bench``."""

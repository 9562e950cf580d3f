"""Policy briefs: their takeaways by region and theme, claims checked against the data, and which
takeaways annotate which chart panel.
"""

"""Leadership layer (plan §四): leadership group, plan tasks and supervision, live KPIs, dashboards and reports.

It reads every domain app; nothing imports it (DESIGN.md §4).
"""

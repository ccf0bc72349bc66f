"""Source kinds as plugins: one module per kind, one table (:mod:`.kind_table`).

See docs/architecture.md, "Adding a source kind".
"""

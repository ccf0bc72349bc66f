"""Function kinds: one module per way of running a function, listed in one table.

See :mod:`.function_kind_seam` for what a kind owns and :mod:`.function_kind_table` for
the registry; ``docs/architecture.md`` ("Adding a function kind") walks through a new one.
"""

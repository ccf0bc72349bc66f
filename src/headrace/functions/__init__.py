"""How a batch reaches a function: the Protocol (``base``), the worker-process runtime
(``process``), and an in-memory fake for tests (``memory``).

Nothing is imported here: worker processes import this package at start, and stay quick
to start by loading only the few modules they need.
"""

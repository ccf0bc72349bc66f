"""PostgreSQL storage (the ``postgres`` extra): many `headrace run` processes share one database."""

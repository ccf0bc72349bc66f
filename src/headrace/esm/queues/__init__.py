"""Queue event source mappings: lanes that wait, reserve a worker, gather, invoke and settle."""

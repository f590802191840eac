"""Read export files into the warehouse's raw layer: plain functions, no orchestration.

Every row read is either loaded into ``raw.<source>`` or written to ``raw._ingest_quarantine``
with the reason; every file is recorded in ``raw._ingest_ledger``.
"""

"""Data in and out of hocbaso: Excel import and export, and the sector database (CSDL ngành) export.

Also transfer packages, certified copies, the province submission and the year-end archive.

See docs/excel-layouts.md, docs/sector-export.md and docs/exchange.md. The public entry points are in ``services``.
"""

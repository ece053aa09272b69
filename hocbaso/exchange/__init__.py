"""Data in and out of hocbaso: Excel import and export, and the sector database (CSDL ngành) export.

See docs/excel-layouts.md and docs/sector-export.md. The public entry points are in ``services``.
"""

"""The sector database (CSDL ngành) export of a school year, as JSON or the catalogue's Excel form. See
docs/sector-export.md."""

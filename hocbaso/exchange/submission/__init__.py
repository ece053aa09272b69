"""The submission of every class's sealed package to the district/province office, and the office's check of
what schools submit. Format: docs/exchange.md."""

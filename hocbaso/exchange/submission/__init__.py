"""The submission of every class's sealed package to the province office (Sở GD&ĐT), and the office's check of
what schools submit. Format: docs/exchange.md."""

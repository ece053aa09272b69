"""The year-end archive (lưu trữ cuối năm): one self-describing ZIP per school year, its verification, and its
restore into an installation that does not have that year. Format: docs/exchange.md."""

"""Certified copies (bản sao) of a pupil's whole issued history: requests, the principal's signed and numbered
copy (a job), and their recognition by the public file check. Format: docs/exchange.md."""

"""Helpers for tests and benchmarks: sample PDFs, a local RFC 3161 server, a SoftHSM2 token, a local CSC
server. Each starts only on loopback and cleans up after itself. Not used by the application."""

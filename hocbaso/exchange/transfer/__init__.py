"""Transfer packages: the sending school seals a pupil's issued records behind a one-time link; the receiving
school checks every signature and takes the pupil in. Format: docs/exchange.md."""

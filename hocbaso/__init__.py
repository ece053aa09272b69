"""hocbaso: học bạ số (digital school records) for Vietnamese primary schools."""

__version__ = "0.1.0"

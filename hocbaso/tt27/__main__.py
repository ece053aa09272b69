"""``python -m hocbaso.tt27 FILE.json``: the same as ``hocbaso assess FILE.json``, without Django."""

from hocbaso.tt27.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""Data in and out of hocbaso, one package per feature over a small shared core.

Features: ``excel`` (import and export of pupil lists and evaluations, Bảng tổng hợp, blank templates),
``sector`` (the CSDL ngành export), ``transfer`` (transfer packages out and in, the public link), ``copies``
(certified copies), ``submission`` (to the province or commune office, and the office's check) and ``archive``
(year-end archive and restore); each holds its services, views, urls, job handlers (``tasks``) and tests.
The core: ``models``, the data page (``views``, ``urls``), ``pages`` (the school year a page acts on),
``uploads`` (uploads, previews waiting for confirmation, downloads) and ``roles``.

See docs/excel-layouts.md, docs/sector-export.md and docs/exchange.md.
"""

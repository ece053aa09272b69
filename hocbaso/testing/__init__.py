"""What the tests share, in one place (no test imports another test module or another folder's conftest.py).

- ``fixtures``: the pytest plugin the root ``conftest.py`` registers for the whole suite: ``private_files`` and
  ``fast_password_hashing`` (autouse), ``world``, ``people``, ``fill_year``, ``inline_jobs`` and ``school``
  (the lifecycle's class, ready to sign). Tests use them by name, with no import.
- ``people``: the shared school's names, the test accounts' password, the signing PINs, ``make_staff`` and the
  portal's personas (``PERSONAS``, ``login_as``).
- ``lifecycle``: a class through the record's lifecycle: ``year_end_entries``, ``lifecycle_school``,
  ``open_signer``, ``class_signed``, ``sign_and_issue``.
- ``registry``: an issued record stored without signing (``registry_record``), for the verification pages.
- ``triggers``: the issued-record triggers switched off and on around a live-server test.
- ``poppler``: Poppler's ``pdfsig`` report, read.
- ``i18n``: checks of the English catalogues.
- ``exchange``: spreadsheets, packages changed on purpose, a school ready to receive a transfer, the exchange pages'
  forms; ``archive``: the work behind a year's registry, to compare two installations.

The signing test servers (CSC, SoftHSM, RFC 3161) stay in ``hocbaso.signing.testing``; records for the tt27
rules in ``hocbaso.tt27.tests.factories`` (the benchmarks and scripts use them too).
"""

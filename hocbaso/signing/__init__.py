"""Ký số (digital signing) of học bạ PDFs: the crypto and PDF layer, with no database.

Modules:
  ca.py        the deployment's own certificate authority (root + issuing CA, holders' keys under their PIN)
  signers.py   one ``Signer`` interface, three kinds: built-in (our CA), PKCS#11 token, remote CSC service
  pades.py     PAdES baseline B-B / B-T signatures written as incremental updates, with a Vietnamese stamp
  stamp.py     the visible stamp (glyph outlines of a Vietnamese-capable font, cached per process)
  errors.py    SigningError and subclasses; messages are Vietnamese sentences for the user
  validate.py  ``validate_pdf``: every signature, intact / valid / trusted / coverage / modification level
  testing/     sample PDFs, a local RFC 3161 server, a SoftHSM2 token, a local CSC server (tests, bench)

See README.md beside this file for the API, the decisions and the measured figures.

The school's seal (*đóng dấu*): the principal signs with a certificate that names the school in O, and the
principal's stamp shows the school's name: the issued record carries two signatures (teacher, principal),
as Poppler's pdfsig and the issue's acceptance expect. The school's own organisation certificate
(``CertificateAuthority.issue_seal``) signs the class package sent to the province office; it can also be
applied as a third PDF signature (same API, another field) where a province asks for it.
"""

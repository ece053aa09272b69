"""Ký số (digital signing) of học bạ PDFs: the crypto and PDF layer, and the signers' identities in the database.

The crypto and PDF layer needs no database (plain bytes, keys and certificates in, signed bytes out):
  ca.py        the deployment's own certificate authority (root + issuing CA, holders' keys under their PIN)
  signers.py   one ``Signer`` interface, three kinds: built-in (our CA), PKCS#11 token, remote CSC service
  pades.py     PAdES baseline B-B / B-T signatures written as incremental updates, with a Vietnamese stamp
  stamp.py     the visible stamp (glyph outlines of a Vietnamese-capable font, cached per process)
  sheets.py    small signed sheets: a subject teacher's sign-off, a class package's manifest
  packages.py  sealed packages: a ZIP of signed PDFs and the manifest the school's seal signs
  aio.py       pyHanko's coroutines run from synchronous code
  errors.py    SigningError and subclasses; messages are Vietnamese sentences for the user
  validate.py  ``validate_pdf``: every signature, intact / valid / trusted / coverage / modification level
The database side:
  models.py    signing identities (who can sign, with which certificate) and subject teachers' sign-offs
  services.py  issuing identities, opening a signer with its PIN (attempts limited), subject sign-offs
  testing/     sample PDFs, a local RFC 3161 server, a SoftHSM2 token, a local CSC server (tests, bench)

See docs/signing.md for the API, the decisions and the measured figures.

The school's seal (*đóng dấu*): the principal signs with a certificate that names the school in O, and the
principal's stamp shows the school's name: the issued record carries two signatures (teacher, principal),
as Poppler's pdfsig and the issue's acceptance expect. The school's own organisation certificate
(``CertificateAuthority.issue_seal``) signs the class package sent to the province office; it can also be
applied as a third PDF signature (same API, another field) where a province asks for it.
"""

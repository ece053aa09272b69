"""Kiểm tra dài hạn (LTV): what a verifier needs in 30 years, added to a signed PDF after its last signature.

- ``LtvSession``: one per batch. Its pyHanko ``ValidationContext`` fetches each certificate's revocation data once
  (OCSP from the certificate's AIA, the CRL of its distribution point, plus the CRLs and OCSP answers given) and
  remembers each signer's and the TSA's validation path, so a class of 30 records asks the OCSP responder once
  per signer, not 30 times.
- ``ltv_add(pdf, session)``: one incremental update holding the DSS (every signer's and the TSA's certificates,
  CRLs and OCSP answers: PAdES B-LT) and, with a TSA, a document time stamp over the whole file (B-LTA). Without
  a TSA the file is B-LT only.
- ``archive_renew(pdf, session)``: the archive time stamp renewal: validation data for the last document time
  stamp's TSA chain, then a new document time stamp (pyHanko's ``update_archival_timestamp_chain``).
- ``last_archive_timestamp(pdf)``: the last document time stamp's time and its TSA certificate's expiry.

Everything here is pyHanko's writer (``DocumentSecurityStore``, ``PdfTimeStamper``): these updates are one per
record at issuance, after our own writer has made the signatures.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable

import pikepdf
from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp

from hocbaso.signing.aio import run_sync
from hocbaso.signing.dss import DssData, pdf_stream, signature_cms, signer_of
from hocbaso.signing.validate import load_roots


@dataclass(frozen=True)
class ArchiveStamp:
    time: dt.datetime
    tsa_expires: dt.datetime
    tsa_subject: str


class LtvSession:
    """Validation data and a time-stamping client shared by a batch of ``ltv_add`` / ``archive_renew`` calls.

    ``trust_roots``: what the signers' and TSA's chains end in (as ``validate_pdf`` takes them); ``crls`` / ``ocsps``:
    DER revocation data known beforehand (the built-in CA's CRL made in-process); ``fetch``: let pyHanko fetch
    OCSP answers and CRLs from the URLs in the certificates (our responder, a national CA's); ``tsa_url``: an
    RFC 3161 server for the document time stamp, or None (B-LT only)."""

    def __init__(self, *, trust_roots: Iterable, tsa_url: str | None = None, crls: Iterable[bytes] = (),
                 ocsps: Iterable[bytes] = (), other_certs: Iterable = (), fetch: bool = True):
        # deferred: pyHanko loads only where LTV data is written
        from pyhanko_certvalidator import ValidationContext  # deferred: as above, pyHanko

        backend = None
        if fetch:
            # deferred: requests and pyHanko's fetchers (~0.5 s to import) only when fetching
            from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

            backend = RequestsFetcherBackend()
        self.context = ValidationContext(
            trust_roots=load_roots(trust_roots), other_certs=load_roots(other_certs),
            crls=[asn1_crl.CertificateList.load(c) for c in crls],
            ocsps=[asn1_ocsp.OCSPResponse.load(o) for o in ocsps],
            allow_fetching=fetch, revocation_mode="soft-fail",
            # requests, not aiohttp: each call runs its own event loop (``run_sync``), an aiohttp session would be
            # bound to the first one; the fetchers' cache is what makes a batch ask once per certificate
            fetcher_backend=backend)
        self.tsa_url = tsa_url
        self._timestamper = None
        self._tsa_found: list | None = None
        self._paths: dict[bytes, object] = {}
        self._lock = threading.Lock()
        self._ts_paths: list | None = None
        self._ts_reserved: int | None = None
        self._dss: dict[frozenset, DssData] = {}

    @property
    def timestamper(self):
        """pyHanko's time-stamp client for ``ltv_add`` and ``archive_renew`` (made when first needed: issuance
        with the seal uses ``signing.tsa_client`` only), or None without a TSA."""
        if self._timestamper is None and self.tsa_url:
            # requests, not aiohttp: aiohttp builds a session (and an SSL context, ~60 ms) per call of run_sync
            # deferred: pyHanko's requests client (requests, ~0.5 s to import), only for ltv_add / archive_renew
            from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

            self._timestamper = RequestsHTTPTimeStamper(self.tsa_url, timeout=30)
        return self._timestamper

    @property
    def level(self) -> str:
        return "B-LTA" if self.tsa_url else "B-LT"

    async def _path(self, signed_data):
        """The signer's validation path (its revocation data gathered into the context), or None when it does not
        chain to a trust root (nothing to add for it: the verifier will not trust it either). A revoked
        certificate raises ``RevokedError``."""
        from pyhanko.sign.general import extract_certificate_info  # deferred: pyHanko

        info = extract_certificate_info(signed_data)
        return await self._cert_path(info.signer_cert, info.other_certs)

    async def _cert_path(self, cert, others):
        from pyhanko_certvalidator import CertificateValidator  # deferred: pyHanko
        from pyhanko_certvalidator.errors import PathBuildingError, RevokedError  # deferred: pyHanko

        key = cert.sha256
        # ``ltv_add_many``'s threads each run their own event loop: one path computed per certificate, and the
        # context is not used by two at once
        with self._lock:
            if key not in self._paths:
                validator = CertificateValidator(cert, intermediate_certs=others, validation_context=self.context)
                try:
                    self._paths[key] = await validator.async_validate_usage(key_usage=set())
                except RevokedError:
                    raise
                except PathBuildingError:  # not ours to vouch for
                    self._paths[key] = None
        return self._paths[key]

    async def _signature_paths(self, reader) -> list:
        from pyhanko.sign.validation.generic_cms import extract_tst_data_iter  # deferred: pyHanko

        paths = []
        for embedded in reader.embedded_signatures:
            paths.append(await self._path(embedded.signed_data))
            for signed in (False, True):
                for tst in extract_tst_data_iter(embedded.signer_info, signed=signed):
                    paths.append(await self._path(tst))
        return [path for path in paths if path is not None]

    async def _timestamp_paths(self) -> list:
        if self._ts_paths is None:
            self._ts_paths = [path async for path in self.timestamper.validation_paths(self.context)]
            dummy = await self.timestamper.async_dummy_response("sha256")
            size = len(dummy.dump()) * 2
            self._ts_reserved = 2 * ((size + size // 2) // 2) + 1024  # even (hex digits); TSA answers vary a little
        return self._ts_paths

    def _tsa_entries(self) -> list[tuple[bytes, bytes]]:
        """``signature_certificates`` entries for the TSA, from one of its tokens (asked once)."""
        if self._tsa_found is None:
            from hocbaso.signing.tsa_client import tsa_client  # deferred: only with a TSA

            token = cms.ContentInfo.load(tsa_client(self.tsa_url).stamp(bytes(32)))["content"]
            self._tsa_found = [(token["signer_infos"][0]["sid"].dump(), token["certificates"].contents)]
        return self._tsa_found

    def dss_for(self, certificates) -> DssData:
        """The DSS for signatures by ``certificates`` (``signature_certificates`` entries, plus the
        ``certificates_entry`` of a signature still to be made: the seal's),
        with the TSA's chain when a TSA is configured (the document time stamp to come). Built once per set of
        certificates and kept; what pyHanko's ``DocumentSecurityStore.supply_dss_in_writer`` would write (every
        path's certificates but the root, the context's OCSP answers and CRLs), without a VRI. Raises as
        ``ltv_add`` does for a revoked certificate."""
        key = frozenset(certificates)
        cache = self._dss
        if key not in cache:
            entries = set(key)
            if self.tsa_url:  # the document time stamp's TSA: the signer of one of its tokens
                entries |= set(self._tsa_entries())
            async def paths():
                found = []
                for entry in entries:
                    signer = signer_of(*entry)
                    if signer is not None:
                        found.append(await self._cert_path(*signer))
                return [path for path in found if path is not None]

            certs, seen = [], set()
            for path in run_sync(paths()):
                for cert in list(path)[1:]:  # the root is the verifier's own
                    if cert.sha256 not in seen:
                        seen.add(cert.sha256)
                        certs.append(pdf_stream(cert.dump()))
            cache[key] = DssData(tuple(certs), tuple(pdf_stream(o.dump()) for o in self.context.ocsps),
                                 tuple(pdf_stream(c.dump()) for c in self.context.crls))
        return cache[key]


LTV_THREADS = 8  # time-stamp requests in flight at once: a TSA's round trip, not our CPU, is what a record waits for


def ltv_add_many(pdfs: list[bytes], session: LtvSession, *, threads: int = LTV_THREADS) -> list[bytes]:
    """``ltv_add`` for each of ``pdfs``, in order. The first runs alone (it gathers the signers' and the TSA's
    validation data into the session); the others on ``threads`` threads, so that each record's wait for its
    document time stamp overlaps the others' (pyHanko's writing is Python and holds the GIL; the TSA's answer does
    not). Raises the first record's error, nothing returned half-done."""
    if not pdfs:
        return []
    first = ltv_add(pdfs[0], session)
    if len(pdfs) == 1 or threads <= 1 or session.timestamper is None:
        return [first, *(ltv_add(pdf, session) for pdf in pdfs[1:])]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [first, *pool.map(lambda pdf: ltv_add(pdf, session), pdfs[1:])]


def ltv_add(pdf: bytes, session: LtvSession) -> bytes:
    """``pdf`` plus one incremental update: the DSS with validation data for every signature (B-LT), and with a
    TSA the document time stamp that closes the file (B-LTA). Raises when a signer's chain does not validate
    (a revoked or unknown certificate): such a record is not issued."""
    return run_sync(_ltv_add(pdf, session))


async def _ltv_add(pdf: bytes, session: LtvSession) -> bytes:
    # deferred: pyHanko
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper  # deferred: pyHanko
    from pyhanko.sign.validation import DocumentSecurityStore  # deferred: pyHanko

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    paths = await session._signature_paths(writer.prev)
    if session.timestamper is not None:
        paths = paths + await session._timestamp_paths()
    DocumentSecurityStore.supply_dss_in_writer(writer, sig_contents=None, paths=paths,
                                               validation_context=session.context, embed_roots=False)
    out = io.BytesIO()
    if session.timestamper is None:
        writer.write(out)
        return out.getvalue()
    # the TSA's paths are in the DSS above; the time stamp goes in the same revision
    await PdfTimeStamper(session.timestamper, field_name=None).async_timestamp_pdf(
        writer, "sha256", validation_context=None, bytes_reserved=session._ts_reserved, output=out)
    return out.getvalue()


def archive_renew(pdf: bytes, session: LtvSession) -> bytes:
    """A new document time stamp over ``pdf`` after validation data for the last one's TSA chain (renewal of the
    archive time stamp before that TSA's certificate expires). Needs ``session`` with a TSA."""
    if session.timestamper is None:
        raise ValueError("archive_renew needs a time-stamping server")
    return run_sync(_archive_renew(pdf, session))


async def _archive_renew(pdf: bytes, session: LtvSession) -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader  # deferred: pyHanko
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper  # deferred: pyHanko

    out = io.BytesIO()
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    await PdfTimeStamper(session.timestamper).async_update_archival_timestamp_chain(
        reader, session.context, in_place=False, output=out, embed_roots=False)
    return out.getvalue()


def last_archive_timestamp(pdf: bytes) -> ArchiveStamp | None:
    """The last document time stamp of ``pdf`` (its time, its TSA certificate's expiry), or None."""
    from pyhanko.pdf_utils.reader import PdfFileReader  # deferred: pyHanko
    from pyhanko.sign.general import extract_certificate_info  # deferred: pyHanko

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    stamps = reader.embedded_timestamp_signatures
    if not stamps:
        return None
    last = stamps[-1]
    cert = extract_certificate_info(last.signed_data).signer_cert
    tst_info = last.signed_data["encap_content_info"]["content"].parsed
    return ArchiveStamp(tst_info["gen_time"].native, cert["tbs_certificate"]["validity"]["not_after"].native,
                        cert.subject.human_friendly)


def validate_at(pdf: bytes, at: dt.datetime, trust_roots: Iterable) -> dict[str, dict]:
    """Each person's or seal's signature validated as of ``at`` (PAdES-LTA, ETSI EN 319 102-1 §5.6.3, pyHanko's
    ``ades_lta_validation``): from the embedded validation data (DSS) and the time stamps only, nothing fetched.
    A certificate that expired or was revoked after a time stamp proved the signature existed does not make it
    invalid; a signature made after its certificate's revocation is. By field name: ``valid`` (PASSED),
    ``indication`` (ETSI's sub-indication, e.g. ``REVOKED_NO_POE``), ``best_signature_time`` (the earliest
    time the signature is proven to have existed), ``problem``."""
    return run_sync(_validate_at(pdf, at, trust_roots))


async def _validate_at(pdf: bytes, at: dt.datetime, trust_roots: Iterable) -> dict[str, dict]:
    # deferred: pyHanko
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.ades import (ades_lta_validation,  # deferred: pyHanko
                                              simulate_future_ades_lta_validation)
    from pyhanko.sign.validation.policy_decl import (PdfSignatureValidationSpec,  # deferred: pyHanko
                                                     RevinfoOnlineFetchingRule, RevocationInfoGatheringSpec,
                                                     SignatureValidationSpec)
    from pyhanko_certvalidator.context import CertValidationPolicySpec  # deferred: pyHanko
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo  # deferred: pyHanko
    from pyhanko_certvalidator.policy_decl import (CertRevTrustPolicy, RevocationCheckingPolicy,  # deferred
                                                   RevocationCheckingRule)
    from pyhanko_certvalidator.registry import SimpleTrustManager  # deferred: pyHanko

    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    # A holder certificate that declares OCSP or a CRL must have its status found (in the DSS); the issuing CA
    # declares none (the root publishes no CRL), so it is checked when it names a source
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=load_roots(trust_roots)),
        revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(
            ee_certificate_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
            intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED)))
    future = at > dt.datetime.now(dt.timezone.utc)
    # today or in the past: the last archive time stamp's TSA is checked as it stands now (fetched); in the
    # future: as if the archive time stamps were renewed until then (``archive_renew``), nothing fetched
    fetching = RevinfoOnlineFetchingRule.LOCAL_ONLY if future else RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
    spec = PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=fetching)))
    past = at < dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    timing = ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=past)
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    out = {}
    for embedded in reader.embedded_regular_signatures:
        try:
            if future:
                result = await simulate_future_ades_lta_validation(embedded, spec, future_validation_time=at)
            else:
                result = await ades_lta_validation(embedded, spec, timing_info=timing)
        except Exception as error:  # a file pyHanko cannot take through the algorithm
            out[embedded.field_name] = {"valid": False, "indication": "ERROR", "best_signature_time": None,
                                        "problem": str(error)}
            continue
        out[embedded.field_name] = {
            "valid": result.ades_subindic.status.name == "PASSED",
            "indication": result.ades_subindic.name,
            "best_signature_time": result.best_signature_time.isoformat() if result.best_signature_time else None,
            "problem": result.failure_msg,
        }
    return out


def ltv_summary(pdf: bytes) -> dict:
    """What a reader of the file is told about its long-term validation data, read quickly (pikepdf and
    asn1crypto, no validation): ``level`` ("B-LTA": a DSS and a document time stamp after it; "B-LT": a DSS;
    None), ``archive_timestamp`` (the last document time stamp's time, ISO) and ``tsa_expires`` (its TSA
    certificate's expiry, ISO), ``document_timestamps`` (how many)."""
    out = {"level": None, "archive_timestamp": None, "tsa_expires": None, "document_timestamps": 0}
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            has_dss = "/DSS" in doc.Root
            contents = []
            for field in doc.Root.get("/AcroForm", {}).get("/Fields", []):
                value = field.get("/V")
                if value is not None and value.get("/Type") == "/DocTimeStamp":
                    contents.append(bytes(value.Contents))
    except Exception:
        return out
    if has_dss:
        out["level"] = "B-LT"
    out["document_timestamps"] = len(contents)
    if contents:
        stamps = []
        for data in contents:
            try:
                signed = signature_cms(data)["content"]
                info = signed["encap_content_info"]["content"].parsed
                certs = [c.chosen for c in signed["certificates"]]
                serial = signed["signer_infos"][0]["sid"].chosen["serial_number"].native
                cert = next((c for c in certs if c.serial_number == serial), certs[0])
                stamps.append((info["gen_time"].native, cert["tbs_certificate"]["validity"]["not_after"].native))
            except Exception:
                continue
        if stamps:
            when, expires = max(stamps)
            out.update(archive_timestamp=when.isoformat(), tsa_expires=expires.isoformat())
            if has_dss:
                out["level"] = "B-LTA"
    return out

"""A certified copy of a whole history as a background job (``exchange.copy``), signed with the principal's PIN.

Registered with ``hocbaso.jobs`` when the apps load (``ExchangeConfig.ready`` imports it). Its progress shows on
the portal's job page (``portal:job``); ``args["back"]`` is where its "back" button leads. The handler checks
the rules again (``copy_request_fulfil``: the user may have lost a role since queueing).
"""

from django.conf import settings
from django.utils.translation import gettext as _

from hocbaso.exchange.copies.services import copy_request_fulfil
from hocbaso.exchange.models import CopyRequest
from hocbaso.jobs.registry import job_handler
from hocbaso.jobs.selectors import job_creator
from hocbaso.signing.errors import SigningSetupError
from hocbaso.signing.job_pins import pin_take
from hocbaso.signing.models import IdentityKind
from hocbaso.signing.services import identity_for, signer_open

KIND_COPY = "exchange.copy"


def _copy_queue(args: dict, by) -> str | None:
    """With a broker: the PKCS#11 worker's queue when the principal's key is on a token."""
    staff = getattr(by, "staff", None)
    try:
        return settings.PKCS11_QUEUE if staff and identity_for(staff=staff).kind == IdentityKind.PKCS11 else None
    except SigningSetupError:
        return None


@job_handler(KIND_COPY, queue=_copy_queue)
def copy(job, progress):
    """Render the pupil's whole history as a certified copy and sign it with the principal's PIN."""
    request = CopyRequest.objects.select_related("pupil__school").get(pk=job.args["request"])
    pin = pin_take(job, target=f"copy:{request.pk}")
    by = job_creator(job)
    progress.total(1)
    signer = signer_open(identity_for(staff=by.staff), pin)
    copy = copy_request_fulfil(request=request, by=by, signer=signer)
    progress.step(1, _("Đã ký bản sao."))
    return {"summary": _("Đã cấp bản sao học bạ của %(pupil)s (lần cấp %(n)s).")
            % {"pupil": request.pupil.full_name, "n": copy.number}, "copy": copy.pk}

"""Who acts for a school's office in the exchange features: receiving a transferred pupil and recording a request
for a certified copy (the principal, a vice principal or the clerk)."""

from django.utils.translation import gettext

from hocbaso.directory.models import Role

OFFICE_ROLES = {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK}


def office_only(school) -> str:
    """The one refusal, in the page, the job and the service alike, of an action for the school's office."""
    return gettext("Chỉ hiệu trưởng, phó hiệu trưởng hoặc văn thư của %(school)s mới thực hiện được thao tác "
                   "này.") % {"school": school.name}

"""Who acts for a school's office in the exchange features: receiving a transferred pupil and recording a request
for a certified copy (the principal, a vice principal or the clerk)."""

from hocbaso.directory.models import Role

OFFICE_ROLES = {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK}

"""Remote signing services confirmed in a phone app (VNPT SmartCA, Viettel MySign): one ``RemoteSigner``
(hash-based, behind the ``Signer`` interface) over a small adapter per service.

An adapter knows one service's endpoints, field names and statuses (``smartca.py``, ``mysign.py``); it is made
from a ``ServiceConfig`` (the relying party's address and credentials, from settings). ``adapter_for(config)``
picks the module by the config's ``service`` name. No database here: ``signing.remote_accounts`` is the
database side (a teacher's linked account).
"""

from hocbaso.signing.remote.base import (Credential, Poll, RemoteSigner, RemoteSigningRefused, RemoteSigningTimeout,
                                         ServiceConfig)
from hocbaso.signing.remote.mysign import MySign
from hocbaso.signing.remote.smartca import SmartCA

ADAPTERS = {SmartCA.name: SmartCA, MySign.name: MySign}
SERVICES = {name: adapter.label for name, adapter in ADAPTERS.items()}


def adapter_for(config: ServiceConfig):
    """The adapter of ``config.service`` (``smartca`` or ``mysign``)."""
    try:
        return ADAPTERS[config.service](config)
    except KeyError:
        raise ValueError(f"unknown remote signing service {config.service!r}") from None


__all__ = ["ADAPTERS", "SERVICES", "adapter_for", "Credential", "Poll", "RemoteSigner", "RemoteSigningRefused",
           "RemoteSigningTimeout", "ServiceConfig"]

"""The web shell that the web apps (portal, exchange, verify, reports) share: who may see and do what
(``permissions``), the school year a page starts from (``pages``), a signing page's PIN form (``pins``), and the
language the visitor chose (``language``).

It sits below the web apps and above the lifecycle (``records``): the web apps import it, it imports none of them.
"""

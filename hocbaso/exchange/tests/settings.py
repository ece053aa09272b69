"""Test settings until ``hocbaso.exchange`` is in INSTALLED_APPS: the project's settings plus this app.

Run: DJANGO_SETTINGS_MODULE=hocbaso.exchange.tests.settings python -m pytest hocbaso/exchange
(``--ds`` works too). Harmless once the app is installed for real.
"""

from hocbaso.settings import *  # noqa: F401,F403
from hocbaso.settings import INSTALLED_APPS

if "hocbaso.exchange" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "hocbaso.exchange"]

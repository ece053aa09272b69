"""Finding 10 of the hardening review: ``hocbaso demo`` and the demo loading of ``hocbaso serve`` created accounts
with the published password on a real database. They refuse in production and on a database with a real school
(any school without the demo's mark, ``DemoSchool``)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.demo.builder import SCHOOL_CODE, demo_build
from hocbaso.demo.guard import DemoRefused, demo_refusal
from hocbaso.demo.models import DemoSchool
from hocbaso.directory.models import School

pytestmark = pytest.mark.django_db


def _demo_left_nothing():
    assert not School.objects.filter(code=SCHOOL_CODE).exists()
    assert not get_user_model().objects.filter(username__in=["demo-loader", "phohieutruong", "gvcn.4a"]).exists()


def test_demo_refuses_a_database_with_a_real_school(world):
    with pytest.raises(CommandError, match=f"trường thật: .*{world.school.code}"):
        call_command("demo", "--no-issue", stdout=io.StringIO())
    with pytest.raises(DemoRefused):
        demo_build()
    _demo_left_nothing()


def test_demo_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="HOCBASO_PRODUCTION=1"):
        call_command("demo", "--no-issue", stdout=io.StringIO())
    _demo_left_nothing()


@pytest.mark.parametrize("production", [True, False])
def test_serve_refuses_to_load_the_demo_in_production_or_over_a_real_school(settings, world, monkeypatch,
                                                                            production):
    settings.PRODUCTION = production
    started = []
    monkeypatch.setattr("threading.Thread.start", lambda self: started.append(self.name))
    with pytest.raises(CommandError, match="--no-demo"):
        call_command("serve", stdout=io.StringIO())
    assert started == []  # refused before the worker or the web server start
    _demo_left_nothing()


def test_the_demo_may_run_again_over_its_own_marked_school(world):
    """The mark, not the school code, tells demo data: a school with the demo's code but no mark is real."""
    assert demo_refusal() is not None
    for school in School.objects.all():
        DemoSchool.objects.create(school=school)
    assert demo_refusal() is None
    School.objects.create(code=SCHOOL_CODE, name="Trường thật trùng mã")
    assert SCHOOL_CODE in demo_refusal()

"""Renames that reach an existing installation: the per-stage log's model (Reaction → LogRecord)
keeps the permissions granted on it, and the caches forget a publication's doubt when reset."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from otklik.core.snapshot import reset_all
from otklik.regulation.selectors import forget_version_in_force, version_in_force_id

migration = importlib.import_module("otklik.tickets.migrations.0009_logrecord")
pytestmark = pytest.mark.django_db


def _log_type() -> ContentType:
    return ContentType.objects.get(app_label="tickets", model="logrecord")


def test_a_grant_on_the_old_name_is_kept_when_both_names_exist():
    ct = _log_type()
    stale = Permission.objects.create(content_type=ct, codename="view_reaction", name="Can view log record")
    auditors = Group.objects.create(name="auditors")
    auditors.permissions.add(stale)
    migration.forwards(apps, None)
    assert not Permission.objects.filter(codename="view_reaction").exists()
    assert list(auditors.permissions.values_list("codename", flat=True)) == ["view_logrecord"]


def test_the_old_names_are_renamed_when_alone():
    ct = _log_type()
    Permission.objects.filter(content_type=ct).delete()
    for action in migration.ACTIONS:
        Permission.objects.create(content_type=ct, codename=f"{action}_reaction", name=f"Can {action} reaction")
    auditors = Group.objects.create(name="auditors")
    auditors.permissions.add(Permission.objects.get(codename="view_reaction"))
    migration.forwards(apps, None)
    codenames = sorted(Permission.objects.filter(content_type=ct).values_list("codename", flat=True))
    assert codenames == ["add_logrecord", "change_logrecord", "delete_logrecord", "view_logrecord"]
    assert list(auditors.permissions.values_list("codename", flat=True)) == ["view_logrecord"]
    migration.backwards(apps, None)
    assert list(auditors.permissions.values_list("codename", flat=True)) == ["view_reaction"]


def test_resetting_the_caches_forgets_a_publications_doubt(django_assert_num_queries, settings):
    settings.REFERENCE_TTL = 3600
    forget_version_in_force(unsure=True)  # a publication inside a transaction that may roll back
    with django_assert_num_queries(2):  # while unsure, every call asks the database
        version_in_force_id()
        version_in_force_id()
    reset_all()
    with django_assert_num_queries(1):  # then the version in force is cached again
        version_in_force_id()
        version_in_force_id()

"""The two competitions the demo routes and the README's examples use (reversible)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

COMPETITIONS = (("ctf-2026", "CTF 2026"), ("quals", "Qualifiers"))


def create_competitions(apps: Any, schema_editor: Any) -> None:
    competition = apps.get_model("demo", "Competition")
    existing = set(
        competition.objects.filter(pk__in=[pk for pk, _name in COMPETITIONS]).values_list(
            "pk", flat=True
        )
    )
    competition.objects.bulk_create(
        [competition(id=pk, name=name) for pk, name in COMPETITIONS if pk not in existing]
    )


def remove_competitions(apps: Any, schema_editor: Any) -> None:
    competition = apps.get_model("demo", "Competition")
    competition.objects.filter(pk__in=[pk for pk, _name in COMPETITIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("demo", "0001_initial")]

    operations = [migrations.RunPython(create_competitions, remove_competitions)]

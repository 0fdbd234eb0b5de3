"""Competitions are the resource that resource-scoped token categories select."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Competition", "Submission", "competition_exists"]


class Competition(models.Model):
    id = models.CharField(_("id"), primary_key=True, max_length=64)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ("id",)
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")

    def __str__(self) -> str:
        return self.name


class Submission(models.Model):
    competition = models.ForeignKey(
        Competition,
        on_delete=models.CASCADE,
        related_name="submissions",
        verbose_name=_("competition"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="demo_submissions",
        verbose_name=_("user"),
    )
    answer = models.CharField(_("answer"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"Submission {self.pk} to {self.competition_id}"


def competition_exists(resource_id: str) -> bool:
    """``CTFY_AUTH["RESOURCE_EXISTS"]``: may a token select this competition id?"""
    return Competition.objects.filter(pk=resource_id).exists()

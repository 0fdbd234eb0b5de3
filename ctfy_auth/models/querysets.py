"""A queryset whose ``update()`` is announced, so caches of the rows it changes can follow."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from ctfy_auth.signals import post_update, pre_update

__all__ = ["AnnouncedUpdateQuerySet"]

_M = TypeVar("_M", bound=models.Model)


class AnnouncedUpdateQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> int:
        """``QuerySet.update`` between :data:`~ctfy_auth.signals.pre_update` and ``post_update``.

        So the credential cache invalidates what the rows it changes resolve to: before
        they are written (a ``pre_update`` receiver that raises, as the cache does when it
        cannot record the change, stops the write) and when the transaction commits.
        """
        sender = self.model._meta.concrete_model  # a proxy's rows are the same rows
        fields = frozenset(kwargs)
        pre_update.send(sender=sender, queryset=self, fields=fields)
        count = super().update(**kwargs)
        post_update.send(sender=sender, queryset=self, fields=fields)
        return count

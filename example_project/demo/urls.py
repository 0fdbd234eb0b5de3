"""Mount with ``path("demo/", include("demo.urls"))``: plain Django views."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "demo"

urlpatterns = [
    path(
        "plain/competitions/<str:competition_id>/scoreboard",
        views.scoreboard,
        name="scoreboard",
    ),
]

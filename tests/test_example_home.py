"""The example project's front page: a newcomer's first request after README's first command."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("config.urls")]


def test_the_front_page_says_what_runs_and_links_what_to_try() -> None:
    response = Client().get("/")

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "<script" not in html
    assert re.search(r'id="running">Running on <strong>(sqlite|postgresql)</strong>', html)
    assert "becomes its\n      super-admin" in html
    assert "Try it with curl" in html
    links = set(re.findall(r'href="(/[^"]*)"', html))
    assert links == {"/api/v1/docs", "/api/v1/schema", "/admin/", "/device"}


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/schema", "/admin/", "/device"])
def test_every_link_on_the_front_page_leads_somewhere(path: str) -> None:
    response = Client().get(path)

    assert response.status_code in {HTTPStatus.OK, HTTPStatus.FOUND}, path


def test_the_front_page_refuses_writes() -> None:
    assert Client().post("/").status_code == HTTPStatus.METHOD_NOT_ALLOWED

"""Issue #11, item 12 (emails): a look-alike spelling of an address is not a second account.

Fullwidth letters fold to ASCII (NFKC) at every door that takes an address, so they name the
same account; a dotless or dotted ``i`` in the part before the ``@`` and a label mixing scripts
(a Cyrillic letter inside a Latin word) are refused with the 422 ``invalid_email`` error.
Before the fix each of these registered a separate account.
"""

from __future__ import annotations

from http import HTTPStatus
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from ctfy_auth.services import admin as admin_services
from tests.conftest import PASSWORD

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
FULLWIDTH_JOHN = "\uff4a\uff4f\uff48\uff4e@example.com"  # "john" in fullwidth letters
CYRILLIC_A = "\u0430"
DOTLESS_I = "\u0131"
DOTTED_CAPITAL_I = "\u0130"

pytestmark = pytest.mark.django_db


def register(client: APIClient, email: str) -> Any:
    return client.post(REGISTER, {"email": email, "password": PASSWORD}, format="json")


def test_a_fullwidth_spelling_cannot_register_a_second_account(api_client: APIClient) -> None:
    assert register(api_client, "john@example.com").status_code == HTTPStatus.OK
    response = register(APIClient(), FULLWIDTH_JOHN)
    assert response.status_code == HTTPStatus.CONFLICT, response.content
    assert response.json()["code"] == "email_taken"
    assert get_user_model().objects.count() == 1


def test_signing_in_with_a_fullwidth_spelling_finds_the_same_account(
    api_client: APIClient,
) -> None:
    assert register(api_client, "john@example.com").status_code == HTTPStatus.OK
    response = APIClient().post(
        LOGIN, {"email": FULLWIDTH_JOHN, "password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.OK, response.content
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert me.get("/api/v1/me").json()["email"] == "john@example.com"
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize(
    "email",
    [
        f"j{DOTLESS_I}ohn@example.com",  # dotless i
        f"{DOTTED_CAPITAL_I}van@example.com",  # dotted capital I, "i" + combining dot once lowered
        f"john@ex{CYRILLIC_A}mple.com",  # a Cyrillic a inside a Latin domain label
        f"j{CYRILLIC_A}ne@example.com",  # ... and inside a Latin local part
        "john@xn--exmple-4nf.com",  # the same domain label, spelt in Punycode
    ],
    ids=["dotless-i", "dotted-capital-i", "mixed-script-domain", "mixed-script-local", "punycode"],
)
def test_look_alike_addresses_are_refused_as_invalid_emails(
    api_client: APIClient, email: str
) -> None:
    response = register(api_client, email)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert [i["type"] for i in body["detail"]["issues"]] == ["invalid_email"]
    assert not get_user_model().objects.exists()


def test_the_user_manager_and_natural_key_use_the_same_normal_form(
    user_factory: Any,
) -> None:
    User = get_user_model()
    created = User.objects.create_user(email=FULLWIDTH_JOHN.upper(), password=PASSWORD)
    assert created.email == "john@example.com"
    assert User.objects.get_by_natural_key(FULLWIDTH_JOHN) == created


def test_a_model_form_refuses_a_mixed_script_domain(user_factory: Any) -> None:
    # Django admin's forms and createsuperuser go through full_clean().
    person = get_user_model()(email=f"john@ex{CYRILLIC_A}mple.com")
    with pytest.raises(ValidationError) as refused:
        person.full_clean(exclude={"password"})
    assert "email" in refused.value.message_dict


def test_admin_search_and_commands_find_the_account_from_a_look_alike_spelling(
    user_factory: Any,
) -> None:
    john = user_factory(email="john@example.com")
    user_factory(email="someone@example.com")
    assert list(admin_services.search_users(q="\uff4a\uff4f\uff48\uff4e")) == [john]
    out, err = StringIO(), StringIO()
    call_command("ctfy_auth_create_token", FULLWIDTH_JOHN, "--session", stdout=out, stderr=err)
    assert "john@example.com" in err.getvalue()

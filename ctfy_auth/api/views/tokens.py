"""The caller's tokens: list, mint, update, renew, rotate, revoke; the scope catalog."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth import scopes
from ctfy_auth.api.base import CtfyAPIView, CtfyViewSet
from ctfy_auth.api.pagination import _PageQuery, paginate
from ctfy_auth.api.schema import CtfyAutoSchema, VariantSchema, errors, rate_limited
from ctfy_auth.api.serializers.accounts import StatusSerializer
from ctfy_auth.api.serializers.tokens import (
    CreatedTokenSerializer,
    ExpirySerializer,
    MintTokenSerializer,
    RevokedOthersSerializer,
    TokenInfoPageSerializer,
    TokenInfoSerializer,
    TokenScopesSerializer,
    TokenTemplatesSerializer,
    UpdateTokenSerializer,
    token_info,
)
from ctfy_auth.models import Token
from ctfy_auth.services import api_tokens, tokens

__all__ = ["TokenCatalogView", "TokenViewSet"]

_NOT_FOUND = "`token_not_found`: no such token, or not the caller's."
_REVOKED = "`token_revoked`: the token is revoked; revocation is final."
_NOT_API = "`token_not_an_api_token`: it is a session token; detail `{message, token_kind}`."
_REAUTH = (
    "`reauthentication_required`: the sudo window is closed; detail `{message, window_seconds}`."
)
_SCOPE_422 = (
    "`invalid_competition_access`: `competition_access` is not `none`, `all` or `selected`.\n\n"
    "`competition_scope_required`: `selected` without any id.\n\n"
    "`unknown_competition_id`: an id that `RESOURCE_EXISTS` refuses; detail "
    "`{message, competition_id}`."
)
_RESERVED_405 = (
    "`http_405`: an id that names another route (`scopes`, `templates`, `others`, or one ending "
    "in `/renew` or `/rotate`), which does not take this method."
)
_PAGE_422 = "`validation_error`: `limit` or `offset` out of range."


class TokenViewSet(CtfyViewSet):
    schema = CtfyAutoSchema()
    #: For the schema: these actions refuse a request without a body (``_require_body``).
    openapi_body_required = frozenset({"renew", "rotate"})

    def _info(self, token: Token) -> dict[str, Any]:
        return token_info(token, self.principal.token_id)

    def _created(self, token: Token, plaintext: str) -> Response:
        context = {"current_token_id": self.principal.token_id, "plaintext": plaintext}
        return Response(CreatedTokenSerializer(token, context=context).data)

    def _require_body(self, request: Request) -> None:
        """ctfy requires a JSON body on renew/rotate (``{}`` is enough)."""
        if not request._request.body:
            raise serializers.ValidationError({"body": ["Field required"]}, code="missing")

    @extend_schema(
        operation_id="list_tokens",
        summary="List the caller's tokens",
        parameters=[_PageQuery],
        responses={200: TokenInfoPageSerializer, **errors({422: _PAGE_422})},
    )
    def list(self, request: Request) -> Response:
        """Unrevoked tokens of every kind, expired included, oldest first."""
        queryset = (
            Token.objects.unrevoked().filter(user=self.principal.user).order_by("created_at", "id")
        )
        return Response(paginate(request, queryset, self._info))

    @extend_schema(
        operation_id="create_token",
        summary="Mint a fine-grained API token",
        description=(
            "Mints an API token. With a `template`, its permissions and access, where an explicit "
            "`permissions` or `competition_access` wins; with no scope field at all, the "
            "`BROAD_TOKEN_TEMPLATE`; otherwise exactly what is asked, clamped to each category's "
            "`max_level` (unknown categories dropped). The sudo window must be open."
        ),
        request=MintTokenSerializer,
        responses={
            200: OpenApiResponse(CreatedTokenSerializer, "The token, with its plaintext (once)."),
            **errors(
                {
                    400: (
                        "`token_limit_reached`: the caller holds `API_TOKEN_LIMIT` API tokens; "
                        "detail `{message, limit}`."
                    ),
                    409: _REAUTH,
                    422: _SCOPE_422,
                    429: rate_limited("token_create"),
                }
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = self.validated(MintTokenSerializer)
        self.check_rate("token_create")
        token, plaintext = api_tokens.mint_api_token(
            self.principal,
            label=data.get("label") or "",
            expires_in_days=data.get("expires_in_days"),
            template=data.get("template"),
            resource_access=data.get("resource_access"),
            resource_ids=data.get("resource_ids"),
            permissions=data.get("permissions"),
        )
        return self._created(token, plaintext)

    @extend_schema(
        operation_id="update_token",
        summary="Change an API token's label or scope",
        description=(
            "A field counts only when present and not `null` (`{}` is a no-op). A `template` "
            "re-seeds access, ids and permissions; explicit fields then win. Changing the "
            "authority needs the sudo window; a label-only change does not."
        ),
        request=UpdateTokenSerializer,
        responses={
            200: TokenInfoSerializer,
            **errors(
                {
                    404: _NOT_FOUND,
                    405: _RESERVED_405,
                    409: f"{_REVOKED}\n\n{_NOT_API}\n\n{_REAUTH}",
                    422: _SCOPE_422,
                    429: rate_limited("auth_mutation"),
                }
            ),
        },
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = UpdateTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.check_rate("auth_mutation")
        token = api_tokens.update_api_token(self.principal, pk, serializer.changes())
        return Response(self._info(token))

    @extend_schema(
        operation_id="renew_token",
        summary="Set a new expiry on an API token",
        description=(
            "A new expiry counted from now, same secret. The sudo window must be open. A JSON "
            "body is required (`{}` is enough)."
        ),
        request=ExpirySerializer,
        responses={
            200: TokenInfoSerializer,
            **errors(
                {
                    404: _NOT_FOUND,
                    409: (
                        f"{_REVOKED}\n\n{_NOT_API}\n\n`token_expired`: the token has expired; "
                        f"rotate it instead; detail `{{message, token_id}}`.\n\n{_REAUTH}"
                    ),
                    422: "`validation_error`: no body (`body: Field required`).",
                    429: rate_limited("auth_mutation"),
                }
            ),
        },
    )
    def renew(self, request: Request, pk: str) -> Response:
        self._require_body(request)
        data = self.validated(ExpirySerializer)
        self.check_rate("auth_mutation")
        token = api_tokens.renew_api_token(self.principal, pk, data["expires_in_days"])
        return Response(self._info(token))

    @extend_schema(
        operation_id="rotate_token",
        summary="Replace an API token with a new secret",
        description=(
            "A new token with a fresh secret, the same label and scope, a new expiry and "
            "`rotated_from` set; the old one is revoked. Works on expired tokens. The sudo window "
            "must be open. A JSON body is required (`{}` is enough)."
        ),
        request=ExpirySerializer,
        responses={
            200: OpenApiResponse(
                CreatedTokenSerializer, "The new token, with its plaintext (once)."
            ),
            **errors(
                {
                    404: _NOT_FOUND,
                    409: f"{_REVOKED}\n\n{_NOT_API}\n\n{_REAUTH}",
                    422: "`validation_error`: no body (`body: Field required`).",
                    429: rate_limited("token_create"),
                }
            ),
        },
    )
    def rotate(self, request: Request, pk: str) -> Response:
        self._require_body(request)
        data = self.validated(ExpirySerializer)
        self.check_rate("token_create")
        token, plaintext = api_tokens.rotate_api_token(self.principal, pk, data["expires_in_days"])
        return self._created(token, plaintext)

    @extend_schema(
        operation_id="revoke_token",
        summary="Revoke one of the caller's tokens",
        description=(
            "Of any kind (another session too). Idempotent: a revoked token answers 200 and keeps "
            "its revocation time."
        ),
        responses={
            200: StatusSerializer,
            **errors(
                {
                    404: _NOT_FOUND,
                    405: (
                        "`http_405`: an id that names another route (`scopes`, `templates`, or "
                        "one ending in `/renew` or `/rotate`). The id `others` is `DELETE "
                        "/auth/tokens/others`."
                    ),
                    409: "`cannot_revoke_current_token`: the id is the calling token's.",
                    429: rate_limited("auth_mutation"),
                }
            ),
        },
    )
    def destroy(self, request: Request, pk: str) -> Response:
        self.check_rate("auth_mutation")
        tokens.revoke(self.principal, pk)
        return Response({"status": "ok"})

    @extend_schema(
        operation_id="revoke_other_tokens",
        summary="Revoke every token but the calling one",
        responses={200: RevokedOthersSerializer, **errors({429: rate_limited("auth_mutation")})},
    )
    def destroy_others(self, request: Request) -> Response:
        self.check_rate("auth_mutation")
        count = tokens.revoke_others(self.principal)
        return Response({"status": "ok", "revoked": count})


class TokenCatalogView(CtfyAPIView):
    """``GET /auth/tokens/scopes`` and ``/auth/tokens/templates``: static and unauthenticated."""

    schema = VariantSchema(
        "what",
        {
            "scopes": {
                "operation_id": "token_scopes",
                "summary": "The scope catalog",
                "description": "The categories a token can be granted (`SCOPE_CATALOG`).",
                "responses": {200: TokenScopesSerializer},
            },
            "templates": {
                "operation_id": "token_templates",
                "summary": "The token templates",
                "description": "`TOKEN_TEMPLATES`, permissions dense in catalog order.",
                "responses": {200: TokenTemplatesSerializer},
            },
        },
    )
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    what = "scopes"

    def get(self, request: Request) -> Response:
        if self.what == "templates":
            return Response(
                {
                    "templates": [
                        {
                            "name": t["name"],
                            "competition_access": t["resource_access"],
                            "permissions": t["permissions"],
                            "expires_in_days": t["expires_in_days"],
                        }
                        for t in scopes.templates()
                    ]
                }
            )
        return Response(
            {
                "categories": [
                    {
                        "key": c["key"],
                        "label": str(c.get("label", c["key"])),
                        "description": str(c.get("description", "")),
                        "competition_scoped": bool(c.get("resource_scoped")),
                        "max_level": c.get("max_level", "write"),
                    }
                    for c in scopes.catalog()
                ],
                "levels": list(scopes.LEVELS),
            }
        )

"""The caller's tokens: list, mint, update, renew, rotate, revoke; the scope catalog."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth import scopes
from ctfy_auth.api.base import CtfyPublicAPIView, CtfyViewSet
from ctfy_auth.api.pagination import paginate
from ctfy_auth.api.schema import ErrorDoc, errors
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
from ctfy_auth.exceptions import (
    CannotRevokeCurrentToken,
    InvalidResourceAccess,
    ReauthenticationRequired,
    ResourceScopeRequired,
    TokenExpired,
    TokenLimitReached,
    TokenNotAnApiToken,
    TokenNotFound,
    TokenRevoked,
    UnknownResourceId,
)
from ctfy_auth.models import Token
from ctfy_auth.services import api_tokens, revocation

__all__ = ["TokenScopesView", "TokenTemplatesView", "TokenViewSet"]

_SCOPE_ERRORS = (InvalidResourceAccess, ResourceScopeRequired, UnknownResourceId)
#: Acting on one of the caller's API tokens: the token is looked up, then the sudo window.
_ACTION_ERRORS = (TokenNotFound, TokenRevoked, TokenNotAnApiToken, ReauthenticationRequired)
_RESERVED_ID = "an id that names another route (`scopes`, `templates`, or one ending in `/renew`"


class TokenViewSet(CtfyViewSet):
    rate_buckets = {
        "create": "token_create",
        "partial_update": "auth_mutation",
        "renew": "auth_mutation",
        "rotate": "token_create",
        "destroy": "auth_mutation",
        "destroy_others": "auth_mutation",
    }
    body_required = frozenset({"renew", "rotate"})

    def _info(self, token: Token) -> dict[str, Any]:
        return token_info(token, self.principal.token_id)

    def _created(self, token: Token, plaintext: str) -> Response:
        context = {"current_token_id": self.principal.token_id, "plaintext": plaintext}
        return Response(CreatedTokenSerializer(token, context=context).data)

    @extend_schema(operation_id="list_tokens", responses={200: TokenInfoPageSerializer})
    def list(self, request: Request) -> Response:
        """List the caller's tokens.

        Unrevoked tokens of every kind, expired included, oldest first.
        """
        queryset = (
            Token.objects.unrevoked().filter(user=self.principal.user).order_by("created_at", "id")
        )
        return Response(paginate(request, queryset, self._info))

    @extend_schema(
        operation_id="create_token",
        request=MintTokenSerializer,
        responses={
            200: OpenApiResponse(CreatedTokenSerializer, "The token, with its plaintext (once)."),
            **errors(TokenLimitReached, ReauthenticationRequired, *_SCOPE_ERRORS),
        },
    )
    def create(self, request: Request) -> Response:
        """Mint a fine-grained API token.

        Mints an API token. With a `template`, its permissions and access, where an explicit
        `permissions` or `competition_access` wins; with no scope field at all, the
        `BROAD_TOKEN_TEMPLATE`; otherwise exactly what is asked, clamped to each category's
        `max_level` (unknown categories dropped). The sudo window must be open.
        """
        data = self.validated(MintTokenSerializer)
        self.check_rate()
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
        request=UpdateTokenSerializer,
        responses={
            200: TokenInfoSerializer,
            **errors(
                *_ACTION_ERRORS,
                ErrorDoc(405, "http_405", f"{_RESERVED_ID} or `/rotate`), or `others`"),
                *_SCOPE_ERRORS,
            ),
        },
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change an API token's label or scope.

        A field counts only when present and not `null` (`{}` is a no-op). A `template`
        re-seeds access, ids and permissions; explicit fields then win. Changing the
        authority needs the sudo window; a label-only change does not.
        """
        serializer = UpdateTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.check_rate()
        token = api_tokens.update_api_token(self.principal, pk, serializer.changes())
        return Response(self._info(token))

    @extend_schema(
        operation_id="renew_token",
        request=ExpirySerializer,
        responses={200: TokenInfoSerializer, **errors(*_ACTION_ERRORS, TokenExpired)},
    )
    def renew(self, request: Request, pk: str) -> Response:
        """Set a new expiry on an API token.

        A new expiry counted from now, same secret. The sudo window must be open. A JSON
        body is required (`{}` is enough).
        """
        data = self.validated(ExpirySerializer)
        self.check_rate()
        token = api_tokens.renew_api_token(self.principal, pk, data["expires_in_days"])
        return Response(self._info(token))

    @extend_schema(
        operation_id="rotate_token",
        request=ExpirySerializer,
        responses={
            200: OpenApiResponse(CreatedTokenSerializer, "The new token, with its plaintext."),
            **errors(*_ACTION_ERRORS),
        },
    )
    def rotate(self, request: Request, pk: str) -> Response:
        """Replace an API token with a new secret.

        A new token with a fresh secret, the same label and scope, a new expiry and
        `rotated_from` set; the old one is revoked. Works on expired tokens. The sudo window
        must be open. A JSON body is required (`{}` is enough).
        """
        data = self.validated(ExpirySerializer)
        self.check_rate()
        token, plaintext = api_tokens.rotate_api_token(self.principal, pk, data["expires_in_days"])
        return self._created(token, plaintext)

    @extend_schema(
        operation_id="revoke_token",
        responses={
            200: StatusSerializer,
            **errors(
                TokenNotFound,
                ErrorDoc(405, "http_405", f"{_RESERVED_ID} or `/rotate`); `others` is its own"),
                CannotRevokeCurrentToken,
            ),
        },
    )
    def destroy(self, request: Request, pk: str) -> Response:
        """Revoke one of the caller's tokens.

        Of any kind (another session too). Idempotent: a revoked token answers 200 and keeps
        its revocation time.
        """
        self.check_rate()
        revocation.revoke(self.principal, pk)
        return Response({"status": "ok"})

    @extend_schema(operation_id="revoke_other_tokens", responses={200: RevokedOthersSerializer})
    def destroy_others(self, request: Request) -> Response:
        """Revoke every token but the calling one."""
        self.check_rate()
        count = revocation.revoke_others(self.principal)
        return Response({"status": "ok", "revoked": count})


class TokenScopesView(CtfyPublicAPIView):
    """``GET /auth/tokens/scopes``: static and unauthenticated."""

    @extend_schema(operation_id="token_scopes", responses={200: TokenScopesSerializer})
    def get(self, request: Request) -> Response:
        """The scope catalog.

        The categories a token can be granted (`SCOPE_CATALOG`).
        """
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


class TokenTemplatesView(CtfyPublicAPIView):
    """``GET /auth/tokens/templates``: static and unauthenticated."""

    @extend_schema(operation_id="token_templates", responses={200: TokenTemplatesSerializer})
    def get(self, request: Request) -> Response:
        """The token templates.

        `TOKEN_TEMPLATES`, permissions dense in catalog order.
        """
        templates = [
            {
                "name": t["name"],
                "competition_access": t["resource_access"],
                "permissions": t["permissions"],
                "expires_in_days": t["expires_in_days"],
            }
            for t in scopes.templates()
        ]
        return Response({"templates": templates})

"""The OpenAPI description of ctfy_auth's API, through drf-spectacular.

Every ctfy_auth view sets ``schema = CtfyAutoSchema()``, which adds what is
true of every route by construction, so no view can forget it:

* the security requirement, from the view's authentication and permissions:
  ``security: []`` for routes that read no credential, ``sessionToken``
  (``pt_…``) for routes that take a session only, and ``sessionToken`` or
  ``apiToken`` (``pf_…``) for routes guarded by :class:`~ctfy_auth.permissions.HasScopes`;
  the ``x-ctfy-auth`` extension names the credential as docs/api.md does;
* the errors every route of a kind can give, in the ctfy envelope
  (:class:`ErrorEnvelopeSerializer`): 401 and 403 where a credential is read,
  400 (too deeply nested), 413 (too large), 415 and 422 where a JSON body is parsed,
  503 where the database is needed (a credential is read, or the method writes),
  404 where a path parameter can make the path match no route (the catch-all answers);
* the ``WWW-Authenticate`` header of every 401 and ``Retry-After`` of every 429;
* ``allowEmptyValue`` on optional query parameters but integers (DRF reads ``?q=`` as no
  ``q``; ``?limit=`` is a 422), and a required body for the actions a view names in
  ``openapi_body_required`` (drf-spectacular requires a body only when the serializer has a
  required field).

The views declare the rest with ``@extend_schema``, listing their own errors
with :func:`errors`. The host serves the schema with drf-spectacular's views
and, to describe ctfy_auth's routes only, the preprocessing hook
:func:`ctfy_auth_endpoints_only`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.drainage import warn
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AND, NOT, OR, BasePermission

from ctfy_auth import scopes
from ctfy_auth.api.fields import PasswordField
from ctfy_auth.api.parsers import DepthLimitedJSONParser
from ctfy_auth.conf import app_settings
from ctfy_auth.exceptions import CtfyError, RequestBodyTooDeep, RequestTooLarge, ServiceUnavailable
from ctfy_auth.models.tokens import ResourceAccess
from ctfy_auth.permissions import HasScopes, IsAdmin, IsSuperAdmin, IsUserSession

__all__ = [
    "API_TOKEN_SCHEME",
    "SESSION_SCHEME",
    "CtfyAutoSchema",
    "ErrorEnvelopeSerializer",
    "RateLimitedEnvelopeSerializer",
    "VariantSchema",
    "ctfy_auth_endpoints_only",
    "errors",
    "page_of",
    "rate_limited",
    "redirect_headers",
]

#: Security scheme names: both are ``Authorization: Bearer``, told apart by the token's prefix.
SESSION_SCHEME = "sessionToken"
API_TOKEN_SCHEME = "apiToken"

# --- the error envelope -----------------------------------------------------------------

_DETAIL_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "description": "The message."},
        {
            "type": "object",
            "description": (
                "The message and the error's context, e.g. `window_seconds`, `provider`, "
                "`limit`, or for `validation_error` the `issues` "
                "(`[{type, loc, msg}]`)."
            ),
            "properties": {"message": {"type": "string"}},
            "required": ["message"],
            "additionalProperties": True,
        },
    ]
}


@extend_schema_field(_DETAIL_SCHEMA)
class _ErrorDetailField(serializers.Field):
    """The envelope's ``detail``: documentation only, never used to render."""


class ErrorEnvelopeSerializer(serializers.Serializer):
    """The ctfy error envelope: every 4xx and 5xx a ctfy_auth route answers has this body."""

    code = serializers.CharField(
        read_only=True, help_text="A stable error code, e.g. `token_not_found` or `http_403`."
    )
    detail = _ErrorDetailField(
        read_only=True, help_text="A message, or an object with `message` and context."
    )
    timestamp = serializers.DateTimeField(
        read_only=True, help_text="When the error happened, ISO-8601 UTC (`+00:00`)."
    )


class RateLimitedEnvelopeSerializer(ErrorEnvelopeSerializer):
    """The envelope of a 429 (`rate_limited`), with ctfy's ``error`` key as well."""

    error = serializers.CharField(
        read_only=True, help_text='The same message, e.g. "Rate limit exceeded: 60 per 1 minute".'
    )


def _envelope_for(status: int) -> type[serializers.Serializer]:
    return RateLimitedEnvelopeSerializer if status == 429 else ErrorEnvelopeSerializer


def errors(described: Mapping[int, str]) -> dict[int, OpenApiResponse]:
    """``{status: OpenApiResponse(envelope)}`` for ``@extend_schema(responses=...)``.

    ``described`` maps a status to the Markdown that says which codes it carries
    and when. The statuses :class:`CtfyAutoSchema` adds by itself (401/403, 415,
    the 422 of a body, the catch-all 404) need not be listed; when they are, the
    descriptions are joined.
    """
    return {
        status: OpenApiResponse(_envelope_for(status), description=text)
        for status, text in described.items()
    }


def rate_limited(bucket: str) -> str:
    """The description of the 429 of a route that spends quota in ``bucket``."""
    return f"`rate_limited`: past the `{bucket}` rate (`THROTTLE_RATES`)."


def redirect_headers(*, cookie: str = "") -> list[OpenApiParameter]:
    """The response headers of a 302: ``Location``, and ``Set-Cookie`` when it sets one."""
    headers = [
        OpenApiParameter(
            "Location",
            OpenApiTypes.URI,
            OpenApiParameter.HEADER,
            required=True,
            response=[302],
            description="Where the browser goes next.",
        ),
        OpenApiParameter(
            "Cache-Control",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            required=True,
            response=[302],
            description="`no-store`.",
        ),
    ]
    if cookie:
        headers.append(
            OpenApiParameter(
                "Set-Cookie",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                response=[302],
                description=cookie,
            )
        )
    return headers


def page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """A documentation-only serializer for ctfy's page envelope of ``item`` rows.

    ``{"items": [...], "total", "limit", "offset"}``, as
    :func:`ctfy_auth.api.pagination.paginate` builds it; ``name`` is the component.
    """
    fields: dict[str, Any] = {
        "items": item(many=True, read_only=True),
        "total": serializers.IntegerField(read_only=True, help_text="Rows in all pages."),
        "limit": serializers.IntegerField(read_only=True),
        "offset": serializers.IntegerField(read_only=True),
        "__module__": item.__module__,
        "__doc__": f"A page of {item.__name__.removesuffix('Serializer')} rows.",
    }
    page = type(f"{name}Serializer", (serializers.Serializer,), fields)
    # many=False: a page is one object, even on a viewset's ``list`` action.
    return extend_schema_serializer(many=False, component_name=name)(page)


# --- what a view requires ------------------------------------------------------------------


def _permissions(permissions: Sequence[Any]) -> Iterator[BasePermission]:
    """Every permission that can admit a request, through ``&`` and ``|`` (never ``~``)."""
    for permission in permissions:
        if isinstance(permission, AND | OR):
            # The stubs leave out the operands DRF keeps in op1 / op2.
            yield from _permissions(
                [getattr(permission, "op1", None), getattr(permission, "op2", None)]
            )
        elif isinstance(permission, BasePermission) and not isinstance(permission, NOT):
            yield permission


def _scoped(view: Any) -> list[HasScopes]:
    return [p for p in _permissions(view.get_permissions()) if isinstance(p, HasScopes)]


def _credential(view: Any) -> str:
    """What ``view`` requires, in docs/api.md's words (its "auth" column)."""
    if not view.get_authenticators():
        return "none"
    permissions = list(_permissions(view.get_permissions()))
    if any(isinstance(p, IsSuperAdmin) for p in permissions):
        return "super-admin"
    if any(isinstance(p, IsAdmin) for p in permissions):
        return "admin"
    for permission in permissions:
        if isinstance(permission, HasScopes):
            try:
                needs = permission.get_required_scopes(view)
            except ImproperlyConfigured as exc:  # a host view's declaration; say so, go on
                warn(str(exc))
                return "scopes"
            return ", ".join(f"{category}:{level}" for category, level in needs.items())
    if any(isinstance(p, IsUserSession) for p in permissions):
        return "session"
    # IsFullAccount, or permissions that do not rule on API tokens: BearerTokenAuthentication
    # refuses those tokens (403 token_scope_required).
    return "full account"


_CREDENTIAL_TEXT = {
    "none": "No credential: one that is sent is not read.",
    "session": "A session token (`pt_…`); an API token gets 403.",
    "full account": "A credential that carries the whole account (a session token).",
    "admin": "A session token of an `admin` or `super_admin`.",
    "super-admin": "A session token of a `super_admin`.",
}

_FORBIDDEN_TEXT = {
    "session": (
        '`http_403`: an API token ("This operation requires a user session (logged-in OAuth '
        'token)")'
    ),
    "full account": "`token_scope_required`: an API token",
    "admin": '`http_403`: an API token, or "Admin privileges required"',
    "super-admin": '`http_403`: an API token, or "Super-admin privileges required"',
}


# --- the AutoSchema -------------------------------------------------------------------------


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_WHEN: dict[type[CtfyError], str] = {
    RequestBodyTooDeep: "the JSON body nests deeper than `{max_depth}` arrays and objects",
    RequestTooLarge: "the body is larger than Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`",
    ServiceUnavailable: "the database is unreachable",
}


def _error_text(error: type[CtfyError]) -> str:
    """The description of ``error``'s status, from the exception class (code and message)."""
    when = _WHEN[error].format(max_depth=DepthLimitedJSONParser.max_depth)
    return f'`{error.default_code}`: {when} ("{error.default_detail}").'


class CtfyAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with what every ctfy_auth route has in common."""

    def get_description(self) -> str:  # type: ignore[override]
        # The method's docstring, else the view's own (never a base class's).
        action = getattr(self.view, getattr(self.view, "action", None) or self.method.lower())
        return (action.__doc__ or type(self.view).__dict__.get("__doc__") or "").strip()

    def get_tags(self) -> list[str]:
        return [type(self.view).__module__.rpartition(".")[2]]

    def get_extensions(self) -> dict[str, Any]:
        return {**super().get_extensions(), "x-ctfy-auth": _credential(self.view)}

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        credential = _credential(self.view)
        if credential == "none":
            operation["security"] = []
        text = _CREDENTIAL_TEXT.get(credential) or (
            f"A session token, or an API token (`pf_…`) granted `{credential}`."
        )
        described = operation.get("description", "")
        operation["description"] = f"{described}\n\n**Credential**: {text}".strip()

        responses: dict[str, Any] = operation["responses"]
        if credential != "none":
            self._add_error(responses, 401, "`http_401`: no credential, or a malformed bearer.")
            self._add_error(
                responses,
                403,
                "`http_403`: an unknown, revoked, mistyped or expired token, or a disabled "
                "account.",
            )
            forbidden = _FORBIDDEN_TEXT.get(credential) or (
                f"`token_missing_scope` / `token_competition_forbidden`: an API token without "
                f"`{credential}`"
            )
            self._add_error(responses, 403, forbidden + ".")
        if "requestBody" in operation:
            self._add_error(responses, 400, _error_text(RequestBodyTooDeep))
            self._add_error(responses, 413, _error_text(RequestTooLarge))
            self._add_error(responses, 415, "`http_415`: the body is not JSON.")
            self._add_error(
                responses,
                422,
                "`validation_error`: the body is invalid or malformed JSON; detail "
                "`{message, issues}`.",
            )
        if credential != "none" or method.upper() not in _SAFE_METHODS:
            # The token lookup (and its `last_used_at`) or the write itself needs the database.
            self._add_error(responses, 503, _error_text(ServiceUnavailable))
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query" or parameter.get("required"):
                continue
            if parameter.get("schema", {}).get("type") == "integer":
                # limit/offset: an empty value is not an integer (422), see api/pagination.py.
                parameter.pop("allowEmptyValue", None)
            else:
                # DRF reads an empty optional query parameter as an absent one (its default).
                parameter["allowEmptyValue"] = True
        action = getattr(self.view, "action", None) or self.method.lower()
        if "requestBody" in operation and action in getattr(self.view, "openapi_body_required", ()):
            operation["requestBody"]["required"] = True
        if any(p.get("in") == "path" for p in operation.get("parameters", [])):
            self._add_error(
                responses,
                404,
                "`http_404`: a path parameter that makes the path match no route (one with a "
                "`/`, or empty).",
            )
        for status, response in responses.items():
            if status == "401":
                response.setdefault("headers", {})["WWW-Authenticate"] = {
                    "schema": {"type": "string"},
                    "required": True,
                    "description": '`Bearer realm="api"`.',
                }
            elif status == "429":
                response.setdefault("headers", {})["Retry-After"] = {
                    "schema": {"type": "integer"},
                    "required": True,
                    "description": "Seconds to wait before trying again.",
                }
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _get_request_for_media_type(self, serializer: Any, direction: Any = "request") -> Any:
        # drf-spectacular documents a PATCH body as a partial ("Patched…") serializer, as DRF's
        # UpdateModelMixin validates it; ctfy_auth's PATCH handlers validate the whole body.
        method = self.method
        if method == "PATCH":
            self.method = "POST"
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = method

    def _get_serializer_field_meta(self, field: Any, direction: Any) -> dict[str, Any]:
        meta: dict[str, Any] = super()._get_serializer_field_meta(field, direction)
        if isinstance(field, PasswordField):
            meta.pop("minLength", None)  # the field's own bound (a setting) is in its schema
        return meta

    def _add_error(self, responses: dict[str, Any], status: int, text: str) -> None:
        key = str(status)
        if key not in responses:
            response = OpenApiResponse(_envelope_for(status), description=text)
            responses[key] = self._get_response_for_code(response, key)
        elif text not in responses[key].get("description", ""):
            joined = f"{responses[key].get('description', '')}\n\n{text}".strip()
            responses[key]["description"] = joined


class VariantSchema(CtfyAutoSchema):
    """For one view class mounted on several routes, told apart by an ``as_view()`` argument.

    ``VariantSchema("what", {"scopes": {"operation_id": ..., "summary": ...,
    "description": ..., "responses": {...}}})``: the entry for the view's
    ``what`` answers what ``@extend_schema`` would.
    """

    def __init__(self, attribute: str, variants: Mapping[str, Mapping[str, Any]]) -> None:
        super().__init__()
        self.attribute = attribute
        self.variants = variants

    def _variant(self) -> Mapping[str, Any]:
        return self.variants[getattr(self.view, self.attribute)]

    def get_operation_id(self) -> str:
        return str(self._variant().get("operation_id") or super().get_operation_id())

    def get_summary(self) -> str | None:
        return self._variant().get("summary") or super().get_summary()

    def get_description(self) -> str:  # type: ignore[override]
        return str(self._variant().get("description") or super().get_description())

    def get_response_serializers(self) -> Any:
        return self._variant().get("responses") or super().get_response_serializers()


# --- extensions -------------------------------------------------------------------------------


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """``Authorization: Bearer`` with a session token (``pt_…``) or an API token (``pf_…``)."""

    target_class = "ctfy_auth.authentication.BearerTokenAuthentication"
    match_subclasses = True
    name = [SESSION_SCHEME, API_TOKEN_SCHEME]

    def get_security_requirement(self, auto_schema: AutoSchema) -> list[dict[str, list[Any]]]:
        # An API token is admitted only where HasScopes rules on it; elsewhere it gets a 403.
        if _scoped(auto_schema.view):
            return [{SESSION_SCHEME: []}, {API_TOKEN_SCHEME: []}]
        return [{SESSION_SCHEME: []}]

    def get_security_definition(self, auto_schema: AutoSchema) -> list[dict[str, Any]]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "pt_…",
                "description": (
                    "A session token (`pt_…`), minted by a sign-in: it carries the whole "
                    "account. `bearer` is matched in any case."
                ),
            },
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "pf_…",
                "description": (
                    "A fine-grained API token (`pf_…`), minted by `POST /auth/tokens`: it "
                    "carries only its granted scopes, and is accepted only where an operation "
                    "lists this scheme."
                ),
            },
        ]


class _UTCDateTimeFieldExtension(OpenApiSerializerFieldExtension):
    """ISO-8601 UTC with ``Z``, or ``null`` when the moment has not happened."""

    target_class = "ctfy_auth.api.fields.UTCDateTimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        return {"type": "string", "format": "date-time", "nullable": True}


class _EmailAddressFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "ctfy_auth.api.fields.EmailAddressField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        return {"type": "string", "format": "email", "maxLength": self.target.max_length}


class _PasswordFieldExtension(OpenApiSerializerFieldExtension):
    """The length bounds in force when the schema is generated (they are settings)."""

    target_class = "ctfy_auth.api.fields.PasswordField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        minimum = self.target.minimum
        low = app_settings.PASSWORD_MIN_LENGTH if minimum == "setting" else int(minimum)
        schema: dict[str, Any] = {"type": "string"}
        if not self.target.allow_blank:
            # Not on a blankable field: spectacular would make it `oneOf [<format>, ""]`,
            # which "" matches twice.
            schema["format"] = "password"
        if low > 0:
            schema["minLength"] = low
        schema["maxLength"] = app_settings.PASSWORD_MAX_LENGTH
        return schema


class _ExpiresInDaysExtension(OpenApiSerializerFieldExtension):
    target_class = "ctfy_auth.api.serializers.tokens._ExpiresInDays"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        return {
            "type": "integer",
            "minimum": 0,
            "maximum": app_settings.API_TOKEN_MAX_LIFETIME_DAYS,
            "description": (
                "Days from now; `0` never expires; absent or `null`: the template's lifetime, "
                "else `API_TOKEN_DEFAULT_LIFETIME_DAYS`."
            ),
        }


class _TemplateNameExtension(OpenApiSerializerFieldExtension):
    target_class = "ctfy_auth.api.serializers.tokens._TemplateName"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        names: list[str | None] = list(scopes.template_names())
        if self.target.allow_null:
            names.append(None)  # OpenAPI 3.0: a nullable enum lists null
        return {"type": "string", "enum": names}


class _ScopeFieldsExtension(OpenApiSerializerExtension):
    """``competition_access`` is a string on the way in, but only these values pass (a 422)."""

    target_class = "ctfy_auth.api.serializers.tokens._ScopeFields"
    match_subclasses = True

    def map_serializer(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(
            self.target, direction, bypass_extensions=True
        )
        access = schema.get("properties", {}).get("competition_access")
        if access is not None and direction == "request":
            access["enum"] = [*ResourceAccess.values, None]
        return schema


# --- preprocessing hook ----------------------------------------------------------------------


def ctfy_auth_endpoints_only(endpoints: list[Any], **kwargs: Any) -> list[Any]:
    """``PREPROCESSING_HOOKS`` entry: keep ctfy_auth's routes, drop the host's own views."""
    return [
        endpoint
        for endpoint in endpoints
        if getattr(endpoint[3], "cls", type(None)).__module__.startswith("ctfy_auth.")
    ]

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
* the ``WWW-Authenticate`` header of every 401, ``Retry-After`` of every 429, and
  ``Location`` and ``Cache-Control: no-store`` of every 302 (the sign-in redirects);
* the 429 of the handler's rate bucket, from the view's ``rate_buckets`` (what
  :meth:`~ctfy_auth.api.base.CtfyAPIView.check_rate` spends), and the 503 of a bucket that
  fails closed (:data:`~ctfy_auth.throttling.SECRET_BUCKETS`);
* ``allowEmptyValue`` on optional query parameters but integers (DRF reads ``?q=`` as no
  ``q``; ``?limit=`` is a 422), and a required body, with the 422 of a missing one, for the
  handlers a view names in ``body_required`` (drf-spectacular requires a body only when the
  serializer has a required field).

The views declare the rest with ``@extend_schema``, listing the exceptions their
services raise with :func:`errors`. The host serves the schema with drf-spectacular's views
and, to describe ctfy_auth's routes only, the preprocessing hook
:func:`ctfy_auth_endpoints_only`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

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
from rest_framework.permissions import AND, OR, BasePermission

from ctfy_auth import scopes
from ctfy_auth.api.fields import PasswordField
from ctfy_auth.api.pagination import PageQuerySerializer
from ctfy_auth.conf import app_settings
from ctfy_auth.exceptions import (
    AdminPrivilegesRequired,
    CtfyError,
    ExpiredToken,
    InvalidToken,
    NotAuthenticated,
    RateLimited,
    RateLimitUnavailable,
    RequestBodyTooDeep,
    RequestTooLarge,
    ServiceUnavailable,
    SuperAdminPrivilegesRequired,
    TokenMissingScope,
    TokenResourceForbidden,
    TokenScopeRequired,
    UserSessionRequired,
)
from ctfy_auth.models.tokens import ResourceAccess
from ctfy_auth.permissions import (
    HasScopes,
    IsAdmin,
    IsSuperAdmin,
    IsUserSession,
    view_rules_on_api_tokens,
)
from ctfy_auth.throttling import SECRET_BUCKETS

__all__ = [
    "API_TOKEN_SCHEME",
    "PASSWORD_BUDGET",
    "SESSION_SCHEME",
    "WRONG_USER_CODES",
    "CtfyAutoSchema",
    "ErrorDoc",
    "ErrorEnvelopeSerializer",
    "RateLimitedEnvelopeSerializer",
    "ctfy_auth_endpoints_only",
    "errors",
    "page_of",
    "set_cookie_header",
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


class ErrorDoc(NamedTuple):
    """One error a route can answer: its status, its code and when (one line of Markdown)."""

    status: int
    code: str
    when: str

    @classmethod
    def of(cls, error: type[CtfyError], note: str = "") -> ErrorDoc:
        """``error``'s own status, code and ``when``, with ``note`` added for this route.

        A generic code (``http_403``) cannot tell two errors apart, so the class's own
        message, which does, is quoted.
        """
        when = f"{error.when} ({note})" if note else error.when
        if error.default_code == f"http_{error.status_code}" and "default_detail" in vars(error):
            when = f'{when} ("{error.default_detail}")'
        return cls(error.status_code, error.default_code, when)

    @property
    def text(self) -> str:
        return f"`{self.code}`: {self.when}."


def errors(*raised: type[CtfyError] | ErrorDoc) -> dict[int, OpenApiResponse]:
    """``{status: OpenApiResponse(envelope)}`` for ``@extend_schema(responses=...)``.

    ``raised`` lists the exception classes the route raises (their status, code and
    ``when`` are the documentation) and :class:`ErrorDoc` for what is not an exception
    class (a budget, DRF's 405, a route's own 422). The statuses :class:`CtfyAutoSchema`
    adds by itself (401/403 of the credential, 415, the 422 of a body, the 429 of the
    handler's rate bucket, the catch-all 404) need not be listed; when they are, the
    descriptions are joined.
    """
    described: dict[int, list[str]] = {}
    for item in raised:
        doc = item if isinstance(item, ErrorDoc) else ErrorDoc.of(item)
        described.setdefault(doc.status, []).append(doc.text)
    return {
        status: OpenApiResponse(_envelope_for(status), description="\n\n".join(texts))
        for status, texts in described.items()
    }


def _rate_limited(bucket: str) -> ErrorDoc:
    """The 429 of a handler that spends quota in ``bucket``."""
    return ErrorDoc(
        RateLimited.status_code,
        RateLimited.default_code,
        f"past the `{bucket}` rate (`THROTTLE_RATES`)",
    )


def _budget(when: str) -> tuple[ErrorDoc, ErrorDoc]:
    """The answers of a budget (:func:`ctfy_auth.throttling.spend`): 429 past it, and 503
    when it cannot be counted, because every budget fails closed."""
    return (
        ErrorDoc(RateLimited.status_code, RateLimited.default_code, when),
        ErrorDoc.of(RateLimitUnavailable),
    )


#: What every route that checks a password answers for the ``password_check`` budget.
PASSWORD_BUDGET = _budget(
    "this account has spent its budget of password checks "
    '(`THROTTLE_RATES["password_check"]`), shared by every door that checks a password'
)
#: What the routes that take a user code answer for ``DEVICE_FAILED_ENTRY_LIMITS``.
WRONG_USER_CODES = _budget(
    "this account, or this client address, has spent its budget of wrong user codes "
    "(`DEVICE_FAILED_ENTRY_LIMITS`)"
)
#: The 422 of a handler in a view's ``body_required`` that gets no body.
_NO_BODY = ErrorDoc(422, "validation_error", "no body (`body: Field required`)")


def set_cookie_header(text: str, *, status: int) -> list[OpenApiParameter]:
    """The ``Set-Cookie`` response header of a ``status`` answer, described by ``text``."""
    return [
        OpenApiParameter(
            "Set-Cookie",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            required=True,
            response=[status],
            description=text,
        )
    ]


class _Page(serializers.Serializer):
    """The base of :func:`page_of`'s serializers: a route that answers one is paginated."""


#: The 422 of the pager's query parameters (:class:`~ctfy_auth.api.pagination.PageQuerySerializer`).
_PAGE_OUT_OF_RANGE = ErrorDoc(422, "validation_error", "`limit` or `offset` out of range")


def page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """A documentation-only serializer for ctfy's page envelope of ``item`` rows.

    ``{"items": [...], "total", "limit", "offset"}``, as
    :func:`ctfy_auth.api.pagination.paginate` builds it; ``name`` is the component. A route
    whose 200 is a page gets the pager's query parameters and their 422 from
    :class:`CtfyAutoSchema`.
    """
    fields: dict[str, Any] = {
        "items": item(many=True, read_only=True),
        "total": serializers.IntegerField(read_only=True, help_text="Rows in all pages."),
        "limit": serializers.IntegerField(read_only=True),
        "offset": serializers.IntegerField(read_only=True),
        "__module__": item.__module__,
        "__doc__": f"A page of {item.__name__.removesuffix('Serializer')} rows.",
    }
    page = type(f"{name}Serializer", (_Page,), fields)
    # many=False: a page is one object, even on a viewset's ``list`` action.
    return extend_schema_serializer(many=False, component_name=name)(page)


# --- what a view requires ------------------------------------------------------------------


def _permissions(permissions: Sequence[Any]) -> Iterator[BasePermission]:
    """The classes a view names, through ``&`` and ``|`` (never ``~``): what to document.

    Whether an API token reaches them at all is not decided here but by
    :func:`ctfy_auth.permissions.view_rules_on_api_tokens`.
    """
    for permission in permissions:
        if isinstance(permission, AND | OR):
            # The stubs leave out the operands DRF keeps in op1 / op2.
            yield from _permissions(
                [getattr(permission, "op1", None), getattr(permission, "op2", None)]
            )
        elif isinstance(permission, BasePermission):
            yield permission


def _accepts_api_tokens(view: Any) -> bool:
    """An API token reaches the view's permissions, and one of them can admit it."""
    if not view_rules_on_api_tokens(view):
        return False  # BearerTokenAuthentication answers 403 token_scope_required
    return any(isinstance(p, HasScopes) for p in _permissions(view.get_permissions()))


def _credential(view: Any) -> str:
    """What ``view`` requires, in docs/api.md's words (its "auth" column)."""
    if not view.get_authenticators():
        return "none"
    permissions = list(_permissions(view.get_permissions()))
    if any(isinstance(p, IsSuperAdmin) for p in permissions):
        return "super-admin"
    if any(isinstance(p, IsAdmin) for p in permissions):
        return "admin"
    if _accepts_api_tokens(view):
        scoped = next(p for p in permissions if isinstance(p, HasScopes))
        try:
            required_scopes = scoped.get_required_scopes(view)
        except ImproperlyConfigured as exc:  # a host view's declaration; say so, go on
            warn(str(exc))
            return "scopes"
        return ", ".join(f"{category}:{level}" for category, level in required_scopes.items())
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

#: Who refuses an API token (or the caller's role) at a route of each kind.
_REFUSED_BY: dict[str, tuple[type[CtfyError], ...]] = {
    "session": (UserSessionRequired,),
    "full account": (TokenScopeRequired,),
    "admin": (UserSessionRequired, AdminPrivilegesRequired),
    "super-admin": (UserSessionRequired, SuperAdminPrivilegesRequired),
}
_SCOPE_REFUSALS = (TokenMissingScope, TokenResourceForbidden)


# --- the AutoSchema -------------------------------------------------------------------------

#: The spectacular hooks a view can name its serializer with (else it takes no body).
_SERIALIZER_HOOKS = ("get_serializer", "get_serializer_class", "serializer_class")
#: The headers of every 302 a ctfy_auth view answers (a sign-in redirect is never cached).
_REDIRECT_HEADERS: dict[str, Any] = {
    "Location": {
        "schema": {"type": "string", "format": "uri"},
        "description": "Where the browser goes next.",
        "required": True,
    },
    "Cache-Control": {
        "schema": {"type": "string"},
        "description": "`no-store`.",
        "required": True,
    },
}


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CtfyAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with what every ctfy_auth route has in common."""

    def _handler_docstring(self) -> tuple[str, str]:
        """The handler's docstring as (summary, description): its first paragraph, the rest.

        Paragraphs are unwrapped (a docstring's line breaks are not the description's).
        """
        action = getattr(self.view, getattr(self.view, "action", None) or self.method.lower())
        paragraphs = [
            " ".join(p.split()) for p in inspect.cleandoc(action.__doc__ or "").split("\n\n")
        ]
        return paragraphs[0].removesuffix("."), "\n\n".join(paragraphs[1:])

    def get_summary(self) -> str | None:
        return self._handler_docstring()[0] or super().get_summary()

    def get_description(self) -> str:  # type: ignore[override]
        # The handler's docstring after its summary, else the view's (never a base class's).
        description = self._handler_docstring()[1]
        return description or (type(self.view).__dict__.get("__doc__") or "").strip()

    def _paginated(self) -> bool:
        """The 200 is a :func:`page_of` serializer: the handler answers ``paginate()``'s page."""
        responses = self.get_response_serializers()
        ok = responses.get(200) if isinstance(responses, dict) else responses
        return isinstance(ok, type) and issubclass(ok, _Page)

    def get_request_serializer(self) -> Any:
        # A route takes a body only where it names the serializer that validates it
        # (``@extend_schema(request=...)``): an APIView without one has none to guess from.
        if any(hasattr(self.view, n) for n in _SERIALIZER_HOOKS):
            return super().get_request_serializer()
        return None

    def get_override_parameters(self) -> list[Any]:
        parameters: list[Any] = super().get_override_parameters()
        if self._paginated():
            parameters.append(PageQuerySerializer)  # what paginate() validates
        return parameters

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
        handler = getattr(self.view, "action", None) or self.method.lower()
        bucket = getattr(self.view, "rate_buckets", {}).get(handler)
        if bucket is not None:
            # First: the view spends the bucket before its service checks any budget.
            self._add_error(responses, _rate_limited(bucket), first=True)
            if bucket in SECRET_BUCKETS:
                self._add_error(responses, ErrorDoc.of(RateLimitUnavailable))
        if self._paginated():
            self._add_error(responses, _PAGE_OUT_OF_RANGE)
        body_required = handler in getattr(self.view, "body_required", ())
        if body_required:
            self._add_error(responses, _NO_BODY)
        if credential != "none":
            refusals = _REFUSED_BY.get(credential, _SCOPE_REFUSALS)
            checks: tuple[type[CtfyError], ...] = (NotAuthenticated, InvalidToken, ExpiredToken)
            for error in (*checks, *refusals):
                self._add_error(responses, ErrorDoc.of(error))
        if "requestBody" in operation:
            self._add_error(responses, ErrorDoc.of(RequestBodyTooDeep))
            self._add_error(responses, ErrorDoc.of(RequestTooLarge))
            self._add_error(responses, ErrorDoc(415, "http_415", "the body is not JSON"))
            self._add_error(
                responses,
                ErrorDoc(
                    422,
                    "validation_error",
                    "the body is invalid or malformed JSON; detail `{message, issues}`",
                ),
            )
        if credential != "none" or method.upper() not in _SAFE_METHODS:
            # The token lookup (and its `last_used_at`) or the write itself needs the database.
            self._add_error(responses, ErrorDoc.of(ServiceUnavailable))
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query" or parameter.get("required"):
                continue
            if parameter.get("schema", {}).get("type") == "integer":
                # limit/offset: an empty value is not an integer (422), see api/pagination.py.
                parameter.pop("allowEmptyValue", None)
            else:
                # DRF reads an empty optional query parameter as an absent one (its default).
                parameter["allowEmptyValue"] = True
        if "requestBody" in operation and body_required:
            operation["requestBody"]["required"] = True
        if any(p.get("in") == "path" for p in operation.get("parameters", [])):
            self._add_error(
                responses,
                ErrorDoc(
                    404,
                    "http_404",
                    "a path parameter that makes the path match no route (one with a `/`, or "
                    "empty)",
                ),
            )
        for status, response in responses.items():
            if status == "302":
                response["headers"] = {**_REDIRECT_HEADERS, **response.get("headers", {})}
            elif status == "401":
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

    def _add_error(self, responses: dict[str, Any], doc: ErrorDoc, *, first: bool = False) -> None:
        key, text = str(doc.status), doc.text
        if key not in responses:
            response = OpenApiResponse(_envelope_for(doc.status), description=text)
            responses[key] = self._get_response_for_code(response, key)
        elif text not in responses[key].get("description", ""):
            texts = [responses[key].get("description", ""), text]
            joined = "\n\n".join(texts[::-1] if first else texts).strip()
            responses[key]["description"] = joined


# --- extensions -------------------------------------------------------------------------------


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """``Authorization: Bearer`` with a session token (``pt_…``) or an API token (``pf_…``)."""

    target_class = "ctfy_auth.authentication.BearerTokenAuthentication"
    match_subclasses = True
    name = [SESSION_SCHEME, API_TOKEN_SCHEME]

    def get_security_requirement(self, auto_schema: AutoSchema) -> list[dict[str, list[Any]]]:
        # An API token passes only where the view rules on it and HasScopes can admit it.
        if _accepts_api_tokens(auto_schema.view):
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

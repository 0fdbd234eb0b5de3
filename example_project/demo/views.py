"""A host's own views, protected by ctfy_auth's scopes.

The DRF views subclass :class:`ctfy_auth.api.base.CtfyAPIView` (bearer
authentication, JSON, the ctfy error envelope) and replace its session-only
permission with :class:`~ctfy_auth.permissions.HasScopes` and a declaration.
Sessions pass every check; API tokens pass what they were granted. The view
that declares no scopes uses :class:`~ctfy_auth.permissions.IsFullAccount`, so
API tokens get 403 ``token_scope_required`` there.

Order on resource-scoped routes, as ctfy does it: the scope and the resource
gate first, then whether the competition exists. A token limited to some
competitions cannot tell an unknown id from one it may not see (both 403);
sessions and ``all`` tokens, which may see every competition, get 404.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth import get_principal
from ctfy_auth.api.base import CtfyAPIView
from ctfy_auth.decorators import require_scope
from ctfy_auth.errors import envelope
from ctfy_auth.models import ResourceAccess
from ctfy_auth.permissions import HasScopes, IsFullAccount

from .models import Competition, Submission

__all__ = [
    "ChallengeListView",
    "CompetitionListView",
    "ProfileView",
    "SubmissionCreateView",
    "UnscopedView",
    "scoreboard",
]

# Fixed content: the demo is about who may read it, not about storing it.
_CHALLENGES = {
    "ctf-2026": [
        {"id": "warmup", "name": "Warm-up", "points": 50},
        {"id": "heap-of-trouble", "name": "Heap of trouble", "points": 300},
    ],
    "quals": [{"id": "sanity-check", "name": "Sanity check", "points": 10}],
}
_SCOREBOARD = {
    "ctf-2026": [{"rank": 1, "team": "null pointers", "score": 350}],
    "quals": [{"rank": 1, "team": "segfaults", "score": 10}],
}


def _competition_or_404(competition_id: str) -> Competition:
    competition = Competition.objects.filter(pk=competition_id).first()
    if competition is None:
        raise NotFound("Competition not found")
    return competition


class CompetitionListView(CtfyAPIView):
    """GET /api/v1/demo/competitions → ``{"items": [{"id", "name"}, ...]}``.

    Needs ``challenges:read``. It spans every competition, so the resource gate
    is not applied to the request (``scope_resource_gate = False``); instead the
    list is filtered by the same decision: ``all`` access (and sessions) see
    every competition, ``selected`` the selected ones, ``none`` an empty list.
    """

    permission_classes = [HasScopes]
    required_scopes = {"challenges": "read"}
    scope_resource_gate = False
    # It reads only principal.allows(): an OAuth client (client credentials) may call it.
    serves_oauth_clients = True

    def get(self, request: Request) -> Response:
        principal = self.principal
        competitions = Competition.objects.order_by("id")
        if not principal.is_full_account and principal.resource_access == ResourceAccess.SELECTED:
            # Only narrows the query; the decision below is still principal.allows().
            competitions = competitions.filter(pk__in=principal.resource_ids)
        items = [
            {"id": c.id, "name": c.name}
            for c in competitions
            if principal.allows("challenges", "read", c.id)
        ]
        return Response({"items": items})


class ChallengeListView(CtfyAPIView):
    """GET /api/v1/demo/competitions/<competition_id>/challenges: ``challenges:read`` on it.

    OAuth clients (client credentials) may call it too: it never reads ``principal.user``.
    """

    permission_classes = [HasScopes]
    serves_oauth_clients = True
    required_scopes = {"challenges": "read"}
    scope_resource_kwarg = "competition_id"

    def get(self, request: Request, competition_id: str) -> Response:
        competition = _competition_or_404(competition_id)
        return Response(
            {"competition_id": competition.id, "items": _CHALLENGES.get(competition.id, [])}
        )


class SubmissionSerializer(serializers.Serializer):
    answer = serializers.CharField(min_length=1, max_length=200)


class SubmissionCreateView(CtfyAPIView):
    """POST /api/v1/demo/competitions/<competition_id>/submissions ``{"answer": str}``.

    Needs ``submissions:write`` on the competition. Answers 200
    ``{"id", "competition_id", "answer"}``; 422 for a bad body (checked after
    the scope, before the competition, as ctfy orders them).
    """

    permission_classes = [HasScopes]
    required_scopes = {"submissions": "write"}
    scope_resource_kwarg = "competition_id"

    def post(self, request: Request, competition_id: str) -> Response:
        data = self.validated(SubmissionSerializer)
        competition = _competition_or_404(competition_id)
        submission = Submission.objects.create(
            competition=competition, user=self.principal.user, answer=data["answer"]
        )
        return Response(
            {"id": submission.pk, "competition_id": competition.id, "answer": submission.answer}
        )


class ProfileView(CtfyAPIView):
    """GET /api/v1/demo/profile: ``profile:read`` (not resource-scoped). No query of its own."""

    permission_classes = [HasScopes]
    required_scopes = {"profile": "read"}

    def get(self, request: Request) -> Response:
        user = self.principal.user
        return Response({"id": user.id, "email": user.email, "display_name": user.display_name})


class UnscopedView(CtfyAPIView):
    """GET /api/v1/demo/unscoped: declares no scopes, so API tokens get ``token_scope_required``."""

    permission_classes = [IsFullAccount]

    def get(self, request: Request) -> Response:
        return Response({"id": self.principal.user.id, "kind": self.principal.credential_kind})


@require_GET
@require_scope("scoreboard", "read", resource_kwarg="competition_id")
def scoreboard(request: HttpRequest, competition_id: str) -> JsonResponse:
    """GET /demo/plain/competitions/<competition_id>/scoreboard: a plain Django view.

    ``scoreboard:read`` on the competition, enforced by the decorator; errors
    are the same JSON envelopes the DRF views send.
    """
    principal = get_principal(request)  # already resolved by the decorator: no query
    assert principal is not None
    if not Competition.objects.filter(pk=competition_id).exists():
        return JsonResponse(envelope("http_404", "Competition not found"), status=404)
    return JsonResponse(
        {"competition_id": competition_id, "rows": _SCOREBOARD.get(competition_id, [])}
    )

from ctfy_auth.models._ids import looks_like_id
from ctfy_auth.models.devices import DeviceRequest, DeviceStatus
from ctfy_auth.models.identities import Identity
from ctfy_auth.models.oauth_clients import OAuthClientPolicy, OAuthGrantType
from ctfy_auth.models.oauth_flows import OAuthFlow, OAuthFlowKind
from ctfy_auth.models.tokens import ResourceAccess, Token
from ctfy_auth.models.users import AbstractCtfyUser, RegistrationLock, User

__all__ = [
    "AbstractCtfyUser",
    "DeviceRequest",
    "DeviceStatus",
    "Identity",
    "OAuthClientPolicy",
    "OAuthFlow",
    "OAuthFlowKind",
    "OAuthGrantType",
    "RegistrationLock",
    "ResourceAccess",
    "Token",
    "User",
    "looks_like_id",
]

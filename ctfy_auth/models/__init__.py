from ctfy_auth.models.devices import DeviceRequest, DeviceStatus
from ctfy_auth.models.identities import Identity
from ctfy_auth.models.tokens import ResourceAccess, Token
from ctfy_auth.models.users import AbstractCtfyUser, RegistrationLock, User

__all__ = [
    "AbstractCtfyUser",
    "DeviceRequest",
    "DeviceStatus",
    "Identity",
    "RegistrationLock",
    "ResourceAccess",
    "Token",
    "User",
]

"""Dependencies the routes share: services, the runner, the caller's tenant."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request

from longform.api.errors import ApiError
from longform.runners.base import JobRunner
from longform.services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.runner
    return runner


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def get_tenant(request: Request) -> str:
    """The tenant of the caller's API key; with no keys configured everyone is 'default'."""
    hashed_keys: dict[str, str] = request.app.state.hashed_keys
    if not hashed_keys:
        return "default"
    auth = request.headers.get("authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    key = key or request.headers.get("x-api-key", "")
    if key:
        presented = hash_key(key)
        for stored, tenant in hashed_keys.items():
            if hmac.compare_digest(stored, presented):
                return tenant
    raise ApiError(401, "unauthorized", "a valid API key is required (Authorization: Bearer KEY)")


ServicesDep = Annotated[Services, Depends(get_services)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]
TenantDep = Annotated[str, Depends(get_tenant)]

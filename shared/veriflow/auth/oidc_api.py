"""OIDC sign-in routes: /v1/auth/oidc/{provider}/start and /callback."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response, status
from fastapi.responses import JSONResponse

from veriflow.auth import oidc_flow
from veriflow.auth.api import token_response
from veriflow.auth.schemas import OidcStartPublic, TokenPairPublic
from veriflow.core.routing import APIRouter

router = APIRouter(prefix="/v1/auth/oidc", tags=["auth"])


@router.get("/{provider}/start", status_code=status.HTTP_302_FOUND, response_model=OidcStartPublic)
def oidc_start(provider: str) -> JSONResponse:
    """Redirects to the provider (authorization code with PKCE, state and nonce)."""
    url = oidc_flow.start(provider)
    return JSONResponse(OidcStartPublic(authorization_url=url).model_dump(), status_code=302,
                        headers={"location": url, "cache-control": "no-store"})


@router.get("/{provider}/callback")
def oidc_callback(
    provider: str,
    code: Annotated[str, Query(max_length=2048)],
    state: Annotated[str, Query(max_length=512)],
    response: Response,
) -> TokenPairPublic:
    """Where the provider sends the browser back: the person is signed in (or linked)."""
    return token_response(response, oidc_flow.callback(provider, code, state), in_cookie=False)

"""/v1/users: the signed-in user's own account, and platform administration of accounts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from veriflow.access.deps import CurrentUser, require
from veriflow.access.limits import per_principal
from veriflow.access.permissions import ROLES_ASSIGN, USERS_MANAGE, USERS_READ
from veriflow.access.principal import Principal
from veriflow.core.deps import PageCursor, PageLimit, SessionDep
from veriflow.core.routing import APIRouter
from veriflow.users import phone, service
from veriflow.users.schemas import (
    Accepted,
    EmailChange,
    MeUpdate,
    PasswordChange,
    PhoneSet,
    PhoneVerify,
    SuspendRequest,
    UserAdminPublic,
    UserPage,
    UserPublic,
)

router = APIRouter(prefix="/v1/users", tags=["users"], dependencies=[Depends(per_principal)])

Reader = Annotated[Principal, Depends(require(USERS_READ))]
Manager = Annotated[Principal, Depends(require(USERS_MANAGE))]
RoleAssigner = Annotated[Principal, Depends(require(ROLES_ASSIGN))]


@router.get("/me")
def get_me(session: SessionDep, user: CurrentUser) -> UserPublic:
    return UserPublic.of(service.get_user(session, user.id))


@router.patch("/me")
def update_me(body: MeUpdate, session: SessionDep, user: CurrentUser) -> UserPublic:
    return UserPublic.of(service.update_profile(session, user, display_name=body.display_name))


@router.post("/me/password")
def change_password(body: PasswordChange, session: SessionDep, user: CurrentUser) -> UserPublic:
    """Changes the password; every other session of the account is signed out."""
    return UserPublic.of(service.change_password(session, user, body.current_password, body.new_password))


@router.post("/me/email", status_code=202)
def request_email_change(body: EmailChange, session: SessionDep, user: CurrentUser) -> Accepted:
    """Sends a confirmation link to the new address; the address changes once it is confirmed."""
    service.request_email_change(session, user, body.new_email, body.password)
    return Accepted()


@router.put("/me/phone", status_code=202)
def set_phone(body: PhoneSet, session: SessionDep, user: CurrentUser) -> Accepted:
    """Sets the number and texts it a six-digit code; SMS goes to it once the code is confirmed."""
    phone.request_code(session, user, body.phone_number)
    return Accepted()


@router.post("/me/phone/verify")
def verify_phone(body: PhoneVerify, session: SessionDep, user: CurrentUser) -> UserPublic:
    return UserPublic.of(phone.verify(session, user, body.code))


@router.delete("/me/phone")
def remove_phone(session: SessionDep, user: CurrentUser) -> UserPublic:
    return UserPublic.of(phone.remove(session, user))


@router.get("")
def list_users(
    session: SessionDep,
    _: Reader,
    email: Annotated[str | None, Query(max_length=320, description="email prefix")] = None,
    status: Annotated[str | None, Query(pattern="^(active|suspended)$")] = None,
    role: Annotated[str | None, Query(max_length=32)] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> UserPage:
    page = service.search_users(session, email_prefix=email, status=status, role=role, limit=limit, cursor=cursor)
    return UserPage(data=[UserAdminPublic.of(user) for user in page.items], next_cursor=page.next_cursor)


@router.get("/{user_id}")
def get_user(user_id: uuid.UUID, session: SessionDep, _: Reader) -> UserAdminPublic:
    return UserAdminPublic.of(service.get_user(session, user_id))


@router.post("/{user_id}/suspend")
def suspend_user(user_id: uuid.UUID, body: SuspendRequest, session: SessionDep, admin: Manager) -> UserAdminPublic:
    """Suspends the account; its sessions end and its tokens stop working at once."""
    return UserAdminPublic.of(service.suspend(session, admin, user_id, body.reason))


@router.post("/{user_id}/unsuspend")
def unsuspend_user(user_id: uuid.UUID, session: SessionDep, admin: Manager) -> UserAdminPublic:
    return UserAdminPublic.of(service.unsuspend(session, admin, user_id))


@router.put("/{user_id}/roles/{role}")
def assign_role(user_id: uuid.UUID, role: str, session: SessionDep, admin: RoleAssigner) -> UserAdminPublic:
    return UserAdminPublic.of(service.assign_role(session, admin, user_id, role))


@router.delete("/{user_id}/roles/{role}")
def remove_role(user_id: uuid.UUID, role: str, session: SessionDep, admin: RoleAssigner) -> UserAdminPublic:
    return UserAdminPublic.of(service.remove_role(session, admin, user_id, role))

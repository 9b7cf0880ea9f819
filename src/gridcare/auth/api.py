"""REST: who am I, users, organisation units, tokens."""

from __future__ import annotations

from fastapi import APIRouter, status

from gridcare.auth import service
from gridcare.auth.schemas import (
    Me,
    OrgUnitIn,
    OrgUnitOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from gridcare.core.principal import Role
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1", tags=["auth"], dependencies=[CsrfChecked])


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    return Me(
        user_id=principal.user_id,
        login=principal.login,
        role=principal.role,
        org_unit_id=principal.org_unit_id,
        org_path=principal.org_path,
        grid_ids=sorted(principal.grid_ids),
        locale=principal.locale,
    )


@router.get("/org-units", response_model=list[OrgUnitOut])
def list_org_units(session: DbSession, principal: CurrentPrincipal) -> list[OrgUnitOut]:
    return [OrgUnitOut.model_validate(u) for u in service.list_org_units(session, actor=principal)]


@router.post("/org-units", response_model=OrgUnitOut, status_code=status.HTTP_201_CREATED)
def create_org_unit(body: OrgUnitIn, session: DbSession, principal: CurrentPrincipal, state: State) -> OrgUnitOut:
    unit = service.create_org_unit(session, actor=principal, now=state.clock.now(), **body.model_dump())
    return OrgUnitOut.model_validate(unit)


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, principal: CurrentPrincipal, role: Role | None = None, q: str = "") -> list[UserOut]:
    return [UserOut.model_validate(u) for u in service.list_users(session, actor=principal, role=role, query=q)]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, session: DbSession, principal: CurrentPrincipal, state: State) -> UserOut:
    data = body.model_dump()
    data["role"] = body.role.value
    return UserOut.model_validate(service.create_user(session, actor=principal, now=state.clock.now(), **data))


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: int, session: DbSession, principal: CurrentPrincipal) -> UserOut:
    return UserOut.model_validate(service.get_user(session, actor=principal, user_id=user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def patch_user(user_id: int, body: UserPatch, session: DbSession, principal: CurrentPrincipal, state: State) -> UserOut:
    now = state.clock.now()
    user = service.get_user(session, actor=principal, user_id=user_id)
    if body.password is not None:
        user = service.set_password(session, actor=principal, now=now, user_id=user_id, password=body.password)
    if body.is_active is not None:
        user = service.set_active(session, actor=principal, now=now, user_id=user_id, active=body.is_active)
    if body.locale is not None and user_id == principal.user_id:
        user = service.set_locale(session, actor=principal, now=now, locale=body.locale)
    return UserOut.model_validate(user)


@router.post("/users/{user_id}/unlock", response_model=UserOut)
def unlock_user(user_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> UserOut:
    return UserOut.model_validate(service.unlock(session, actor=principal, now=state.clock.now(), user_id=user_id))


@router.get("/users/{user_id}/tokens", response_model=list[TokenOut])
def list_tokens(user_id: int, session: DbSession, principal: CurrentPrincipal) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in service.list_tokens(session, actor=principal, user_id=user_id)]


@router.post("/users/{user_id}/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(user_id: int, body: TokenIn, session: DbSession, principal: CurrentPrincipal, state: State) -> TokenCreated:
    token, plain = service.create_token(session, actor=principal, now=state.clock.now(), user_id=user_id, name=body.name, expires_at=body.expires_at)
    return TokenCreated(token=plain, **TokenOut.model_validate(token).model_dump())


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> None:
    service.revoke_token(session, actor=principal, now=state.clock.now(), token_id=token_id)

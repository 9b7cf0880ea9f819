from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gridcare.core.principal import Role


class OrgUnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    parent_id: int | None
    kind: str
    code: str
    name: str
    utility: str
    path: str


class OrgUnitIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: str
    utility: str
    parent_id: int | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    login: str
    display_name: str
    role: Role
    org_unit_id: int
    phone: str | None
    email: str | None
    extension: str | None
    locale: str
    is_active: bool
    locked_until: datetime | None
    last_login_at: datetime | None


class UserIn(BaseModel):
    login: str = Field(min_length=2, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    org_unit_id: int
    password: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=200)
    extension: str | None = Field(default=None, max_length=20)
    locale: str = "zh_CN"


class UserPatch(BaseModel):
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=200)
    locale: str | None = None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    expires_at: datetime | None = None


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The bearer token. Shown once; only its hash is stored.")


class Me(BaseModel):
    user_id: int | None
    login: str
    role: Role
    org_unit_id: int | None
    org_path: str
    grid_ids: list[int]
    locale: str

"""Typed FastAPI dependencies shared by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from veriflow.core.db import get_session

SessionDep = Annotated[Session, Depends(get_session)]

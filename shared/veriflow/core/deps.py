"""Typed FastAPI dependencies shared by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from veriflow.core.db import get_session
from veriflow.core.pagination import CURSOR_PATTERN, MAX_PAGE_SIZE

# scope="function": the commit runs after the route returns but before the response is sent
# (FastAPI's default, "request", would commit after the client already has its 2xx).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
# The query parameters of every cursor-paged list.
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
# The `next_cursor` of the previous page; a string not of the cursor pattern is a 422.
PageCursor = Annotated[str | None, Query(max_length=49, pattern=CURSOR_PATTERN,
                                         description="The `next_cursor` of the previous page, as given.")]

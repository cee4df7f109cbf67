"""A one-value query parameter given twice is refused with 422; list parameters may repeat."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Query

from tidu_shared.errors import install_error_handlers
from tidu_shared.query_params import single_valued_query


class Paging:
    def __init__(self, cursor: str | None = None) -> None:
        self.cursor = cursor


def _app() -> FastAPI:
    app = FastAPI(dependencies=[Depends(single_valued_query)])
    install_error_handlers(app)

    @app.get("/items")
    async def items(
        paging: Annotated[Paging, Depends()],
        limit: int = 50,
        state: Annotated[list[str] | None, Query()] = None,
    ) -> dict[str, object]:
        return {"limit": limit, "state": state, "cursor": paging.cursor}

    return app


async def _get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as c:
        return await c.get(url)


async def test_a_repeated_one_value_parameter_is_a_422_naming_it() -> None:
    r = await _get("/items?limit=5&limit=7")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "query_parameter_repeated"
    assert "limit" in body["detail"] and "只能填写一次" in body["detail"]
    assert [e["field"] for e in body["errors"]] == ["query.limit"]


async def test_a_parameter_of_a_dependency_counts_too() -> None:
    r = await _get("/items?cursor=a&cursor=b&limit=1")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["query.cursor"]


async def test_list_parameters_repeat_and_single_values_pass() -> None:
    r = await _get("/items?state=open&state=closed&limit=3")
    assert r.status_code == 200
    assert r.json() == {"limit": 3, "state": ["open", "closed"], "cursor": None}


async def test_an_undeclared_repeated_parameter_is_left_alone() -> None:
    r = await _get("/items?utm=a&utm=b")
    assert r.status_code == 200 and r.json()["limit"] == 50

"""The error half of the OpenAPI documents (found by tests/fuzz): errors are documented as
problem+json with the codes the shared layers answer, and a body that cannot be parsed gets a
400 with a machine code and a Chinese message."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import FastAPI, Header
from pydantic import BaseModel

from tidu_shared.errors import PROBLEM_JSON, install_error_handlers
from tidu_shared.openapi_problems import install_problem_docs


class Thing(BaseModel):
    name: str


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_problem_docs(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.post("/v1/things", status_code=201, responses={409: {"description": "已存在 exists"}})
    async def create(thing: Thing) -> Thing:
        return thing

    @app.patch("/v1/things/{name}")
    async def change(name: str, thing: Thing, if_match: Annotated[str | None, Header()] = None) -> Thing:
        return thing

    return app


def test_errors_are_documented_as_problem_json_with_the_shared_codes() -> None:
    doc = make_app().openapi()
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    create = doc["paths"]["/v1/things"]["post"]["responses"]
    assert set(create) == {"201", "400", "401", "403", "409", "413", "422", "429", "503"}
    assert create["409"]["description"] == "已存在 exists"  # the route's own words are kept
    assert all(create[code]["content"] == problem for code in create if code != "201")
    change = doc["paths"]["/v1/things/{name}"]["patch"]["responses"]
    assert {"404", "412"} <= set(change)  # a record named in the path; an If-Match header
    assert set(doc["paths"]["/healthz"]["get"]["responses"]) == {"200"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "code", "detail"]


async def test_a_body_that_is_not_utf8_gets_a_400_with_a_code_and_a_chinese_message() -> None:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.post("/v1/things", content=b"\x80abc", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM_JSON
    body = r.json()
    assert body["code"] == "malformed_request"  # was the catch-all "http_error"
    assert body["detail"] == "请求体无法解析，请检查 JSON 或表单格式"

"""Routes of the catalogue: products (managed by their institution) and institutions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from sqlalchemy import func, select

from tidu_finance_match.domain.catalogue import Product
from tidu_finance_match.models import InstitutionRow, ProductRow
from tidu_finance_match.routes.deps import CtxDep, DbDep, IfMatch, catalogue_of, etag
from tidu_finance_match.schemas import InstitutionIn, InstitutionOut, ProductOut
from tidu_finance_match.serialize import iso, json_response
from tidu_finance_match.use_cases import catalogue as uc
from tidu_finance_match.use_cases.engine import ProductRematch
from tidu_shared.auth import CurrentPrincipal, Principal, Role
from tidu_shared.errors import not_found

router = APIRouter(prefix="/v1", tags=["catalogue 产品目录"])

PRODUCT_EXAMPLE = {
    "code": "demo-ccb-tech-loan",
    "name": "科技成长贷",
    "kind": "loan",
    "institution": "demo-ccb",
    "collateral": "none",
    "amount": {"min": 50, "max": 800},
    "term_months": {"min": 6, "max": 36},
    "rate_pct": {"min": 3.5, "max": 5.0},
    "valid_from": "2025-01-01",
    "gates": {"region_prefix": ["50"], "qualifications_any": ["tech_sme", "high_tech"], "min_credit_grade": "BBB"},
}
ProductBody = Annotated[
    dict[str, Any],
    Body(
        description="a products.yaml entry: code, name, kind, institution, collateral, amount/term_months/"
        "rate_pct|fee_pct envelopes {min, max}, valid_from/valid_to, tier_exclusive, gates",
        examples=[PRODUCT_EXAMPLE],
    ),
]


def _may_see_inactive(principal: Principal, row: ProductRow) -> bool:
    return principal.role in (Role.admin, Role.operator) or (
        principal.role == Role.institution and principal.inst == row.institution_code
    )


def product_json(row: ProductRow, product: Product | None) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "kind": row.kind,
        "institution_code": row.institution_code,
        "active": row.active,
        "version": row.version,
        "tier_exclusive": bool(product.tier_exclusive) if product is not None else False,
        "spec": row.spec,
        "updated_at": iso(row.updated_at),
        "updated_by": row.updated_by,
    }


def _rematch_json(r: ProductRematch) -> dict[str, Any]:
    return {
        "open_demands": r.open_demands,
        "newly_matched": r.newly_matched,
        "no_longer_matched": r.no_longer_matched,
        "needs_data": r.needs_data,
        "pushed": r.pushed,
        "failures": r.failures,
    }


@router.get("/products", response_model=list[ProductOut], summary="金融产品目录 The product catalogue")
async def list_products(
    principal: CurrentPrincipal,
    ctx: CtxDep,
    db: DbDep,
    institution: str | None = Query(default=None, max_length=40),
    kind: str | None = Query(default=None, max_length=20),
    include_inactive: bool = False,
) -> Response:
    stmt = select(ProductRow).order_by(ProductRow.code)
    if institution:
        stmt = stmt.where(ProductRow.institution_code == institution)
    if kind:
        stmt = stmt.where(ProductRow.kind == kind)
    async with db.read() as s:
        rows = list((await s.execute(stmt)).scalars())
        catalogue = await ctx.catalogue.get(s)
    out = [
        product_json(r, catalogue.product(r.code))
        for r in rows
        if r.active or (include_inactive and _may_see_inactive(principal, r))
    ]
    return json_response(out)


@router.get("/products/{code}", response_model=ProductOut, summary="金融产品 A product")
async def get_product(code: str, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep) -> Response:
    async with db.read() as s:
        row = await s.get(ProductRow, code)
        catalogue = await ctx.catalogue.get(s)
    if row is None or (not row.active and not _may_see_inactive(principal, row)):
        raise not_found("product_not_found", "产品", "product")
    return json_response(product_json(row, catalogue.product(code)), headers=etag(row.version))


@router.post(
    "/products",
    status_code=201,
    response_model=ProductOut,
    summary="发布产品 Publish a product (its institution or an admin); open demands are re-matched",
    responses={403: {"description": "非本机构 not yours"}, 409: {"description": "已存在 exists"}},
)
async def create_product(body: ProductBody, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep) -> Response:
    change = await uc.create_product(ctx, db, principal, body)
    out = product_json(change.row, change.product) | {"rematch": _rematch_json(change.rematch)}
    return json_response(
        out, status_code=201, headers={"Location": f"/v1/products/{change.row.code}", **etag(change.row.version)}
    )


@router.put(
    "/products/{code}",
    response_model=ProductOut,
    summary="修改产品 Replace a product; open demands are re-matched",
    responses={412: {"description": "版本已变化 stale If-Match"}},
)
async def replace_product(
    code: str, body: ProductBody, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep, version: IfMatch
) -> Response:
    change = await uc.replace_product(ctx, db, principal, code, body, if_match=version)
    out = product_json(change.row, change.product) | {"rematch": _rematch_json(change.rematch)}
    return json_response(out, headers=etag(change.row.version))


@router.delete(
    "/products/{code}",
    response_model=ProductOut,
    summary="下架产品 Withdraw a product (soft); open cases stay",
)
async def withdraw_product(
    code: str, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep, version: IfMatch
) -> Response:
    change = await uc.withdraw_product(ctx, db, principal, code, if_match=version)
    out = product_json(change.row, change.product) | {"rematch": _rematch_json(change.rematch)}
    return json_response(out, headers=etag(change.row.version))


@router.get("/institutions", response_model=list[InstitutionOut], summary="金融机构 Institutions")
async def list_institutions(principal: CurrentPrincipal, ctx: CtxDep, db: DbDep) -> Response:
    async with db.read() as s:
        rows = list((await s.execute(select(InstitutionRow).order_by(InstitutionRow.code))).scalars())
        counts = dict(
            (
                await s.execute(
                    select(ProductRow.institution_code, func.count())
                    .where(ProductRow.active.is_(True))
                    .group_by(ProductRow.institution_code)
                )
            ).all()
        )
    catalogue = await catalogue_of(ctx, db)
    out = []
    for r in rows:
        inst = catalogue.institution(r.code)
        out.append(
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "first_response_working_days": inst.first_response_working_days if inst else 3,
                "notes": inst.notes if inst else "",
                "products": int(counts.get(r.code, 0)),
            }
        )
    return json_response(out)


@router.post(
    "/institutions", status_code=201, response_model=InstitutionOut, summary="登记金融机构 Add an institution (admin)"
)
async def create_institution(body: InstitutionIn, principal: CurrentPrincipal, db: DbDep) -> Response:
    row = await uc.create_institution(db, principal, body.model_dump())
    spec = body.model_dump()
    return json_response(
        {
            "code": row.code,
            "name": row.name,
            "kind": row.kind,
            "first_response_working_days": spec["first_response_working_days"],
            "notes": spec["notes"],
            "products": 0,
        },
        status_code=201,
    )

"""Use cases of the catalogue: the first-start seed, and products managed by their institution.

Seed: at start-up (the app's lifespan) the demo catalogue ``reference/products.yaml`` is loaded
into an empty catalogue, once: the transaction claims ``catalogue_state.seeded_at`` with a guarded
UPDATE, so with several replicas starting together exactly one seeds, and a restart never seeds
again (products changed or withdrawn through the API stay as they are). ``seed_catalogue=false``
starts with an empty catalogue.

Products: an institution creates, replaces and withdraws its own products (``inst`` claim = the
product's institution); admins any. The body is a products.yaml entry; it is validated by the
domain's ``parse_catalogue`` (every problem listed at once → 422 ``product_invalid``). A change
writes a new catalogue token (every replica reloads) and re-matches every open demand against that
product in the same transaction (``engine.rematch_product_change``): newly matching demands are
pushed to the institution, demands that no longer match lose their match row. Withdrawing is soft
(``active=false``): cases already open keep their product.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_finance_match.catalogue_store import STATE_ID, jsonable
from tidu_finance_match.context import FinanceContext
from tidu_finance_match.domain.catalogue import Product, parse_catalogue, reference_catalogue_text
from tidu_finance_match.domain.errors import CatalogueError
from tidu_finance_match.models import CatalogueState, InstitutionRow, ProductRow
from tidu_finance_match.use_cases.common import precondition_failed
from tidu_finance_match.use_cases.engine import ProductRematch, rematch_product_change
from tidu_shared.audit import hides_existence
from tidu_shared.auth import Principal, Role
from tidu_shared.db import Database
from tidu_shared.errors import FieldProblem, ProblemError, conflict, not_found
from tidu_shared.outbox import utcnow

SEED_ACTOR = "seed:reference/products.yaml"


async def bump_token(session: AsyncSession, now: datetime) -> None:
    await session.execute(
        update(CatalogueState).where(CatalogueState.id == STATE_ID).values(token=str(uuid.uuid4()), updated_at=now)
    )


async def seed_catalogue(db: Database, data: Mapping[str, Any] | None = None) -> int:
    """Load the reference catalogue into an empty catalogue, once. Returns the products added."""
    data = data if data is not None else yaml.safe_load(reference_catalogue_text())
    catalogue = parse_catalogue(data, source="reference/products.yaml")
    now = utcnow()
    async with db.transaction() as s:
        claimed = await s.execute(
            update(CatalogueState)
            .where(CatalogueState.id == STATE_ID, CatalogueState.seeded_at.is_(None))
            .values(seeded_at=now, updated_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return 0
        have = int((await s.execute(select(func.count()).select_from(ProductRow))).scalar_one())
        if have:
            return 0
        for raw, inst in zip(data["institutions"], catalogue.institutions, strict=True):
            if await s.get(InstitutionRow, inst.code) is None:
                s.add(
                    InstitutionRow(
                        code=inst.code,
                        name=inst.name,
                        kind=inst.kind.value,
                        spec=jsonable(raw),
                        created_at=now,
                        updated_at=now,
                    )
                )
        await s.flush()
        for raw, p in zip(data["products"], catalogue.products, strict=True):
            s.add(_product_row(p, jsonable(raw), by=SEED_ACTOR, now=now))
        await bump_token(s, now)
    return len(catalogue.products)


def _product_row(p: Product, spec: dict[str, Any], *, by: str, now: datetime) -> ProductRow:
    return ProductRow(
        code=p.code,
        institution_code=p.institution_code,
        name=p.name,
        kind=p.kind.value,
        spec=spec,
        active=True,
        version=1,
        created_at=now,
        updated_at=now,
        updated_by=by,
    )


def _invalid(problems: tuple[str, ...], prefix: str) -> ProblemError:
    errors = []
    for line in problems:
        path, _, message = line.partition(": ")
        field = path.removeprefix(prefix).lstrip(".") or "body"
        errors.append(FieldProblem(field, "product_invalid", f"产品数据不合法：{message}", message))
    return ProblemError(
        422,
        "product_invalid",
        "产品数据有误",
        f"产品数据有 {len(errors)} 处问题，请按 errors 逐项修改",
        f"{len(errors)} problem(s) in the product data; see errors",
        errors=errors,
    )


async def _validate(session: AsyncSession, spec: dict[str, Any]) -> Product:
    institutions = (await session.execute(select(InstitutionRow.spec))).scalars().all()
    try:
        catalogue = parse_catalogue({"institutions": list(institutions), "products": [spec]}, source="request")
    except CatalogueError as exc:
        raise _invalid(exc.problems, "products[0]") from exc
    return catalogue.products[0]


def _ensure_may_manage(principal: Principal, institution_code: str | None) -> None:
    if principal.role == Role.admin:
        return
    if principal.role == Role.institution:
        if institution_code is not None and institution_code != principal.inst:
            raise ProblemError(
                403,
                "other_institution",
                "无权访问",
                "金融机构只能管理本机构的产品",
                "an institution manages its own products only",
            )
        return
    raise ProblemError(
        403, "role_not_allowed", "无权访问", "只有金融机构或管理员可以管理产品", "institutions and admins only"
    )


async def _locked_product(session: AsyncSession, principal: Principal, code: str) -> ProductRow:
    """The product, locked; an institution asking for another's product gets 404."""
    stmt = select(ProductRow).where(ProductRow.code == code).with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise not_found("product_not_found", "产品", "product")
    if principal.role == Role.institution and row.institution_code != principal.inst:
        raise hides_existence(not_found("product_not_found", "产品", "product"))
    return row


@dataclass
class ProductChange:
    row: ProductRow
    product: Product
    rematch: ProductRematch


async def create_product(
    ctx: FinanceContext, db: Database, principal: Principal, body: dict[str, Any]
) -> ProductChange:
    spec = jsonable(dict(body))
    if principal.role == Role.institution:
        spec.setdefault("institution", principal.inst)
    _ensure_may_manage(principal, spec.get("institution") if isinstance(spec.get("institution"), str) else None)
    now = utcnow()
    async with db.transaction() as s:
        product = await _validate(s, spec)
        if await s.get(ProductRow, product.code) is not None:
            raise conflict("product_exists", f"产品代码 {product.code} 已存在", f"product {product.code} exists")
        row = _product_row(product, spec, by=principal.sub, now=now)
        s.add(row)
        await bump_token(s, now)
        await s.flush()
        report = await rematch_product_change(s, ctx, product, active=True, now=now)
    return ProductChange(row, product, report)


async def replace_product(
    ctx: FinanceContext, db: Database, principal: Principal, code: str, body: dict[str, Any], *, if_match: int | None
) -> ProductChange:
    spec = jsonable(dict(body))
    spec.setdefault("code", code)
    now = utcnow()
    async with db.transaction() as s:
        row = (
            await s.execute(select(ProductRow).where(ProductRow.code == code).with_for_update())
        ).scalar_one_or_none()
        if row is None:
            raise not_found("product_not_found", "产品", "product")
        if principal.role == Role.institution and row.institution_code != principal.inst:
            raise hides_existence(not_found("product_not_found", "产品", "product"))
        _ensure_may_manage(principal, row.institution_code)
        spec.setdefault("institution", row.institution_code)
        if spec.get("code") != code:
            raise ProblemError(
                422, "product_code_immutable", "请求数据有误", "产品代码不可修改", "the product code cannot change"
            )
        if spec.get("institution") != row.institution_code:
            raise ProblemError(
                422,
                "product_institution_immutable",
                "请求数据有误",
                "产品所属机构不可修改",
                "a product cannot move to another institution",
            )
        if if_match is not None and if_match != row.version:
            raise precondition_failed(row.version)
        product = await _validate(s, spec)
        row.name, row.kind, row.spec = product.name, product.kind.value, spec
        row.active = True
        row.version += 1
        row.updated_at, row.updated_by = now, principal.sub
        await bump_token(s, now)
        await s.flush()
        report = await rematch_product_change(s, ctx, product, active=True, now=now)
    return ProductChange(row, product, report)


async def withdraw_product(
    ctx: FinanceContext, db: Database, principal: Principal, code: str, *, if_match: int | None
) -> ProductChange:
    now = utcnow()
    async with db.transaction() as s:
        row = (
            await s.execute(select(ProductRow).where(ProductRow.code == code).with_for_update())
        ).scalar_one_or_none()
        if row is None:
            raise not_found("product_not_found", "产品", "product")
        if principal.role == Role.institution and row.institution_code != principal.inst:
            raise hides_existence(not_found("product_not_found", "产品", "product"))
        _ensure_may_manage(principal, row.institution_code)
        if if_match is not None and if_match != row.version:
            raise precondition_failed(row.version)
        product = await _validate(s, row.spec)
        report = ProductRematch(product.code)
        if row.active:
            row.active = False
            row.version += 1
            row.updated_at, row.updated_by = now, principal.sub
            await bump_token(s, now)
            await s.flush()
            report = await rematch_product_change(s, ctx, product, active=False, now=now)
    return ProductChange(row, product, report)


async def create_institution(db: Database, principal: Principal, spec: dict[str, Any]) -> InstitutionRow:
    if principal.role != Role.admin:
        raise ProblemError(403, "role_not_allowed", "无权访问", "只有管理员可以登记金融机构", "admins only")
    now = utcnow()
    async with db.transaction() as s:
        try:
            catalogue = parse_catalogue({"institutions": [spec], "products": []}, source="request")
        except CatalogueError as exc:
            raise _invalid(exc.problems, "institutions[0]") from exc
        inst = catalogue.institutions[0]
        if await s.get(InstitutionRow, inst.code) is not None:
            raise conflict("institution_exists", f"机构代码 {inst.code} 已存在", f"institution {inst.code} exists")
        row = InstitutionRow(
            code=inst.code, name=inst.name, kind=inst.kind.value, spec=jsonable(spec), created_at=now, updated_at=now
        )
        s.add(row)
        await bump_token(s, now)
    return row

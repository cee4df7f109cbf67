"""The enterprise profile (企业档案): its fields, the validation of a whole profile, and masking.

Fields follow domain-rules §3 ("Enterprise, mostly stable"), plus the legal representative and contacts.
The main product's flags are flat fields (``strategic_emerging``, ``six_foundations``,
``key_chain_link``, ``supplies_chain_leader``) beside the ``main_product`` text.

Decisions where the issue is silent:

- flags and dates other than ``established_on`` may be unknown (``None``): an assessment must be able to
  tell "not declared" from "no";
- the legal representative's identity number is either a 居民身份证号 (18 characters, check digit and
  birth date verified; the birthplace table is not consulted) or another document's number that starts
  with a letter (passport, 港澳/台湾 permits: a letter and 5-19 letters or digits);
- phones: a mainland mobile (``1[3-9]`` + 9 digits) or a landline with its area code (``0`` + 9-11
  digits); ``+86``/``0086`` and separators are dropped, the digits are stored;
- the identity number and phone of the legal representative, and the phones of the contacts, are
  stored in full and masked in every response (:func:`masked_record`, also for history statements and
  exports): ``5001**********1234``, ``138****5678``; a commissioner's phone too
  (:func:`with_masked_phone`). A masked value sent back (a client that PUTs what it GOT, or re-imports
  an export) means "unchanged" (:func:`strip_masked`); a masked value for a field that holds nothing is
  refused (``masked_value``);
- a contact's masked phone sent back stands for the stored phone of the stored contact at the same
  position in the list or, failing that, of a stored contact with the same name, provided that the
  stored phone masks to exactly the value sent (:func:`restore_contact_phones`); a masked phone that
  stands for no stored phone is refused (``masked_value``): the registry cannot tell what it means;
- ``niche_market_since`` may precede ``established_on`` (a predecessor firm's years count for some
  plans); both may not lie in the future.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from stdnum.cn import ric

from tidu_registry.domain import industry, uscc
from tidu_registry.domain.districts import Districts
from tidu_registry.domain.errors import DomainValidationError, Violation
from tidu_registry.domain.values import FieldSpec, Kind, clean_text, is_blank, parse_fields, to_plain

MAX_CONTACTS = 20

PROFILE_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("uscc", Kind.TEXT, "统一社会信用代码", required=True),
    FieldSpec("name", Kind.TEXT, "企业名称", required=True, max_length=200),
    FieldSpec("district_code", Kind.TEXT, "所属区县代码", required=True),
    FieldSpec("industry_code", Kind.TEXT, "行业代码", required=True),
    FieldSpec("established_on", Kind.DATE, "成立日期", required=True),
    FieldSpec("independent_legal_person", Kind.BOOL, "具有独立法人资格"),
    FieldSpec("niche_market_since", Kind.DATE, "进入细分市场日期"),
    FieldSpec("main_product", Kind.TEXT, "主导产品", max_length=500),
    FieldSpec("strategic_emerging", Kind.BOOL, "主导产品属于战略性新兴产业"),
    FieldSpec("six_foundations", Kind.BOOL, "主导产品属于工业“六基”"),
    FieldSpec("key_chain_link", Kind.BOOL, "主导产品补短板/锻长板/填空白"),
    FieldSpec("supplies_chain_leader", Kind.BOOL, "为链主企业配套"),
    FieldSpec("own_brand", Kind.BOOL, "拥有自主品牌"),
    FieldSpec("legal_rep_name", Kind.TEXT, "法定代表人姓名", max_length=100),
    FieldSpec("legal_rep_id_number", Kind.TEXT, "法定代表人身份证件号码", max_length=40),
    FieldSpec("legal_rep_phone", Kind.TEXT, "法定代表人联系电话", max_length=40),
)
CONTACT_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("name", Kind.TEXT, "联系人姓名", required=True, max_length=100),
    FieldSpec("role", Kind.TEXT, "联系人职务", max_length=100),
    FieldSpec("phone", Kind.TEXT, "联系人电话", max_length=40),
    FieldSpec("email", Kind.TEXT, "联系人邮箱", max_length=200),
)

_RIC = re.compile(r"^\d{17}[\dX]$")
_OTHER_DOCUMENT = re.compile(r"^[A-Z][A-Z0-9]{5,19}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")
_PHONE_SEPARATORS = str.maketrans("", "", " -()（）—")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class EnterpriseProfile:
    uscc: str
    name: str
    district_code: str
    industry_code: str
    established_on: date
    independent_legal_person: bool | None = None
    niche_market_since: date | None = None
    main_product: str | None = None
    strategic_emerging: bool | None = None
    six_foundations: bool | None = None
    key_chain_link: bool | None = None
    supplies_chain_leader: bool | None = None
    own_brand: bool | None = None
    legal_rep_name: str | None = None
    legal_rep_id_number: str | None = None
    legal_rep_phone: str | None = None
    contacts: tuple[Contact, ...] = ()

    def to_record(self) -> dict[str, Any]:
        """Plain, JSON-safe values (dates ISO, contacts as a list of dicts), unmasked. For storage and
        history; responses use :func:`masked_record`."""
        record = {name: to_plain(getattr(self, name)) for name in PROFILE_FIELDS if name != "contacts"}
        record["contacts"] = contacts_plain(self.contacts)
        return record


PROFILE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(EnterpriseProfile))


def contacts_plain(contacts: Iterable[Contact]) -> list[dict[str, str | None]]:
    """Contacts as records, statements and events hold them: plain dicts."""
    return [{"name": c.name, "role": c.role, "phone": c.phone, "email": c.email} for c in contacts]


# --- identity numbers and phones -------------------------------------------------------------------


def check_id_number(raw: object, field: str = "legal_rep_id_number") -> tuple[str, Violation | None]:
    number = clean_text(raw).upper().replace(" ", "")
    if _RIC.match(number):
        if ric.calc_check_digit(number) != number[-1]:
            return number, Violation(
                field,
                "id_number_check_digit",
                "身份证号码校验位不正确",
                "wrong check digit in the identity card number",
            )
        try:
            ric.get_birth_date(number)
        except ValueError:
            return number, Violation(
                field, "id_number_invalid", "身份证号码中的出生日期无效", "invalid birth date in the identity number"
            )
        return number, None
    if _OTHER_DOCUMENT.match(number):
        return number, None
    return number, Violation(
        field,
        "id_number_shape",
        "证件号码应为18位居民身份证号，或以字母开头的护照、港澳台通行证号码",
        "expected an 18-character resident identity number, or a passport/permit number starting with a letter",
    )


def check_phone(raw: object, field: str = "phone") -> tuple[str, Violation | None]:
    phone = clean_text(raw).translate(_PHONE_SEPARATORS)
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :]
            break
    if _MOBILE.match(phone) or _LANDLINE.match(phone):
        return phone, None
    return phone, Violation(
        field,
        "phone_invalid",
        "电话号码应为11位手机号码或带区号的固定电话",
        "expected an 11-digit mobile number or a landline with its area code",
    )


def check_email(raw: object, field: str = "email") -> tuple[str, Violation | None]:
    email = clean_text(raw)
    if _EMAIL.match(email):
        return email, None
    return email, Violation(field, "email_invalid", "邮箱地址格式不正确", "not a valid e-mail address")


def mask_id_number(number: str) -> str:
    """``500101199001011234`` → ``5001**********1234``; short documents keep 1 + 2 characters."""
    if len(number) >= 15:
        return number[:4] + "*" * (len(number) - 8) + number[-4:]
    if len(number) > 4:
        return number[:1] + "*" * (len(number) - 3) + number[-2:]
    return "*" * len(number)


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``; other numbers keep the first 3 and last 4 digits."""
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * (len(phone) - 2) + phone[-2:] if len(phone) > 2 else "*" * len(phone)


SENSITIVE_FIELDS: Mapping[str, Callable[[str], str]] = {
    "legal_rep_id_number": mask_id_number,
    "legal_rep_phone": mask_phone,
}


def is_masked(value: object) -> bool:
    return isinstance(value, str) and "*" in value


def masked_value_violation(field: str) -> Violation:
    """A masked value that cannot mean "unchanged" (nothing stored that it masks)."""
    return Violation(
        field,
        "masked_value",
        "请填写完整号码（带*的脱敏值只能用于保持原值）",
        "send the full number; a masked value only means 'unchanged'",
    )


def masks_phone(sent: object, stored: str | None) -> bool:
    """``sent`` is the masked form of the ``stored`` phone (a masked value sent back: "unchanged")."""
    return is_masked(sent) and stored is not None and mask_phone(stored) == clean_text(sent)


def with_masked_phone(record: Mapping[str, Any], field: str = "phone") -> dict[str, Any]:
    """``record`` (a contact, a commissioner) as a response shows it: its phone masked."""
    phone = record.get(field)
    return {**record, field: mask_phone(phone) if isinstance(phone, str) else phone}


def mask_contacts(contacts: Any) -> Any:
    """Plain contacts (a list of dicts, as records and statements hold them) with their phones masked."""
    if not isinstance(contacts, Sequence) or isinstance(contacts, str):
        return contacts
    return [with_masked_phone(c) if isinstance(c, Mapping) else c for c in contacts]


def mask_value(field: str, value: Any) -> Any:
    """The value as a response may show it (masked for sensitive fields, the contacts' phones)."""
    if field == "contacts":
        return mask_contacts(value)
    masker = SENSITIVE_FIELDS.get(field)
    if masker is None or not isinstance(value, str):
        return value
    return masker(value)


def masked_record(profile: EnterpriseProfile) -> dict[str, Any]:
    """:meth:`EnterpriseProfile.to_record` with the sensitive fields masked: what every response shows."""
    return {name: mask_value(name, value) for name, value in profile.to_record().items()}


def strip_masked(data: Mapping[str, object]) -> tuple[dict[str, object], frozenset[str]]:
    """``data`` without sensitive fields whose value is masked, and the names of those fields
    ("keep what is stored")."""
    kept = frozenset(name for name in SENSITIVE_FIELDS if is_masked(data.get(name)))
    return {k: v for k, v in data.items() if k not in kept}, kept


def _stored_phone(sent: Mapping[str, Any], position: int, stored: Sequence[Contact]) -> str | None:
    candidates = [stored[position]] if position < len(stored) else []
    name = clean_text(sent.get("name"))
    candidates.extend(c for c in stored if c.name == name)
    return next((c.phone for c in candidates if masks_phone(sent.get("phone"), c.phone)), None)


def restore_contact_phones(sent: object, stored: Sequence[Contact]) -> object:
    """``sent`` contacts (raw, as a request or an import row carries them) with each masked phone that
    stands for a stored one replaced by the stored phone: the stored contact at the same position, or
    else a stored contact with the same name, whose phone masks to the value sent. Masked phones that
    stand for nothing are left as sent (validation refuses them: ``masked_value``)."""
    if not isinstance(sent, Sequence) or isinstance(sent, str):
        return sent
    out: list[object] = []
    for position, item in enumerate(sent):
        if isinstance(item, Mapping) and is_masked(item.get("phone")):
            phone = _stored_phone(item, position, stored)
            if phone is not None:
                item = {**item, "phone": phone}
        out.append(item)
    return out


# --- validation ------------------------------------------------------------------------------------


def _future(field: str, zh: str) -> Violation:
    return Violation(field, "date_in_future", f"{zh}不能晚于今天", f"{field} is in the future")


def _check_contacts(raw: object) -> tuple[tuple[Contact, ...], list[Violation]]:
    if is_blank(raw):
        return (), []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return (), [Violation("contacts", "invalid_contacts", "联系人应为列表", "contacts must be a list")]
    if len(raw) > MAX_CONTACTS:
        return (), [
            Violation(
                "contacts",
                "too_many_contacts",
                f"联系人最多{MAX_CONTACTS}个",
                f"at most {MAX_CONTACTS} contacts",
            )
        ]
    contacts: list[Contact] = []
    violations: list[Violation] = []
    for i, item in enumerate(raw):
        if isinstance(item, Contact):
            item = contacts_plain((item,))[0]
        if not isinstance(item, Mapping):
            violations.append(
                Violation(f"contacts[{i}]", "invalid_contacts", "联系人格式不正确", "a contact must be an object")
            )
            continue
        values, found = parse_fields(CONTACT_SPECS, item)
        for name, checker in (("phone", check_phone), ("email", check_email)):
            if name == "phone" and is_masked(values[name]):
                found.append(masked_value_violation(name))
            elif values[name] is not None:
                values[name], problem = checker(values[name], name)
                if problem is not None:
                    found.append(problem)
        violations.extend(replace(v, field=f"contacts[{i}].{v.field}") for v in found)
        if not found:
            contacts.append(Contact(**values))
    return tuple(contacts), violations


_FIELD_ORDER = {name: i for i, name in enumerate(PROFILE_FIELDS)}


def _field_order(violation: Violation) -> int:
    return _FIELD_ORDER.get(violation.field.partition("[")[0], len(_FIELD_ORDER))


def check_profile(
    data: Mapping[str, object], *, districts: Districts, today: date
) -> tuple[EnterpriseProfile | None, list[Violation]]:
    """Validate a whole profile without raising: the profile (when valid) and every violation."""
    values, violations = parse_fields(PROFILE_SPECS, data)
    if values["uscc"] is not None:
        values["uscc"], problem = uscc.check(values["uscc"])
        if problem is not None:
            violations.append(problem)
    if values["district_code"] is not None:
        values["district_code"], problem = districts.check(values["district_code"])
        if problem is not None:
            violations.append(problem)
    if values["industry_code"] is not None:
        values["industry_code"], problem = industry.check(values["industry_code"])
        if problem is not None:
            violations.append(problem)
    name = values["name"]
    if name is not None and len(name) < 2:
        violations.append(Violation("name", "too_short", "企业名称至少2个字符", "name must have at least 2 characters"))
    if values["established_on"] is not None and values["established_on"] > today:
        violations.append(_future("established_on", "成立日期"))
    if values["niche_market_since"] is not None and values["niche_market_since"] > today:
        violations.append(_future("niche_market_since", "进入细分市场日期"))
    for name, checker in (("legal_rep_id_number", check_id_number), ("legal_rep_phone", check_phone)):
        value = values[name]
        if value is None:
            continue
        if is_masked(value):
            violations.append(masked_value_violation(name))
            continue
        values[name], problem = checker(value, name)
        if problem is not None:
            violations.append(problem)
    contacts, contact_violations = _check_contacts(data.get("contacts"))
    violations.extend(contact_violations)
    violations.sort(key=_field_order)
    if violations:
        return None, violations
    return EnterpriseProfile(**values, contacts=contacts), []


def parse_profile(data: Mapping[str, object], *, districts: Districts, today: date) -> EnterpriseProfile:
    """A valid profile from raw data, or :class:`DomainValidationError` naming every violation."""
    profile, violations = check_profile(data, districts=districts, today=today)
    if profile is None:
        raise DomainValidationError(violations)
    return profile


def update_profile(
    current: EnterpriseProfile, changes: Mapping[str, object], *, districts: Districts, today: date
) -> EnterpriseProfile:
    """``current`` with ``changes`` applied and the result validated as a whole.

    The USCC is the enterprise's identity and cannot change; masked sensitive values mean "unchanged",
    and so do the contacts' masked phones that stand for the stored ones (:func:`restore_contact_phones`).
    """
    changes, _kept = strip_masked(changes)
    if "contacts" in changes:
        changes = {**changes, "contacts": restore_contact_phones(changes["contacts"], current.contacts)}
    violations: list[Violation] = []
    if "uscc" in changes and uscc.normalise(str(changes["uscc"])) != current.uscc:
        violations.append(
            Violation("uscc", "immutable_field", "统一社会信用代码不能修改", "the USCC of an enterprise cannot change")
        )
    profile, found = check_profile({**current.to_record(), **changes}, districts=districts, today=today)
    violations.extend(found)
    if violations or profile is None:
        raise DomainValidationError(violations)
    return profile


def profile_from_record(record: Mapping[str, Any]) -> EnterpriseProfile:
    """Rebuild a profile from :meth:`EnterpriseProfile.to_record` output (stored data: no validation
    beyond types)."""
    values = {name: record.get(name) for name in PROFILE_FIELDS if name != "contacts"}
    for name in ("established_on", "niche_market_since"):
        if isinstance(values[name], str):
            values[name] = date.fromisoformat(values[name])
    contacts = tuple(Contact(**c) for c in record.get("contacts") or ())
    return EnterpriseProfile(**values, contacts=contacts)

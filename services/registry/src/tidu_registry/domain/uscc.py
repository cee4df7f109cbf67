"""统一社会信用代码 (USCC, GB 32100-2015): normalisation and validation.

The check character is python-stdnum's (``stdnum.cn.uscc.calc_check_digit``); stdnum rejects
codes whose registering authority is A, N or Y, which GB 32100 allows, so the authority is
checked here.
"""

from __future__ import annotations

import random

from stdnum.cn import uscc as _stdnum

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
AUTHORITIES = "123456789ANY"


class UsccError(ValueError):
    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


def normalise(raw: str) -> str:
    """Trim, upper-case and turn full-width characters into half-width ones."""
    s = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in raw)
    return s.replace(" ", "").replace("\u3000", "").strip().upper()


def validate(raw: str) -> str:
    code = normalise(raw)
    if len(code) != 18:
        raise UsccError("uscc_length", f"统一社会信用代码应为18位，实为{len(code)}位", "a USCC has 18 characters")
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        raise UsccError(
            "uscc_charset",
            f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、S、V、Z）",
            f"characters not allowed in a USCC: {''.join(bad)}",
        )
    if code[0] not in AUTHORITIES:
        raise UsccError("uscc_authority", "统一社会信用代码第1位（登记管理部门）无效", "invalid registering authority")
    if _stdnum.calc_check_digit(code[:17]) != code[17]:
        raise UsccError("uscc_check_char", "统一社会信用代码校验位不正确", "wrong check character")
    return code


def make_uscc(seed: int | None = None, region: str = "500113", authority: str = "9", kind: str = "1") -> str:
    """A valid USCC (for tests, demo data and benchmarks)."""
    rnd = random.Random(seed)
    body = authority + kind + region + "".join(rnd.choice(ALPHABET) for _ in range(9))
    return body + _stdnum.calc_check_digit(body)

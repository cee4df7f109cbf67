"""Events produced by the whistle service, on ``tidu.whistle.issues`` keyed by issue id and on
each department's topic ``tidu.whistle.dept.<code>``. The whistle service adds its types here."""

from __future__ import annotations

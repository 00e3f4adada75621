"""Per-caller rate limits (token buckets) for the routes an attacker or a runaway script would hammer.

Buckets live in the API process (a cache that is safe to lose: a restart only forgets who was throttled),
so with N replicas a caller gets up to N times the rate; that bounds abuse without a shared store.
Exceeding a limit answers 429 with `Retry-After`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Request

from serve_apps.errors import ApiError

MAX_TRACKED = 50_000  # callers remembered per rule; the least recently seen are forgotten first


@dataclass(frozen=True)
class Rule:
    name: str
    per_minute: float
    burst: int


# One table of limits, so every route names a rule instead of repeating numbers.
RULES: dict[str, Rule] = {
    "login": Rule("login", per_minute=10, burst=10),
    "register": Rule("register", per_minute=5, burst=5),
    "refresh": Rule("refresh", per_minute=30, burst=30),
    "preview": Rule("preview", per_minute=30, burst=10),
    "enhance": Rule("enhance", per_minute=60, burst=10),
    "create_job": Rule("create_job", per_minute=30, burst=10),
    "payments": Rule("payments", per_minute=20, burst=10),
}


class RateLimiter:
    def __init__(self, rules: dict[str, Rule] | None = None) -> None:
        self.rules = dict(RULES if rules is None else rules)
        self._buckets: dict[str, OrderedDict[str, tuple[float, float]]] = {
            n: OrderedDict() for n in self.rules
        }
        self._lock = threading.Lock()

    def hit(self, rule_name: str, caller: str, *, now: float | None = None) -> None:
        """Take one token for `caller`; ApiError 429 (with Retry-After) when the bucket is empty."""
        rule = self.rules[rule_name]
        rate = rule.per_minute / 60.0
        t = time.monotonic() if now is None else now
        with self._lock:
            buckets = self._buckets[rule_name]
            tokens, last = buckets.pop(caller, (float(rule.burst), t))
            tokens = min(float(rule.burst), tokens + (t - last) * rate)
            if tokens < 1.0:
                buckets[caller] = (tokens, t)
                wait = max(1, math.ceil((1.0 - tokens) / rate))
                raise ApiError(
                    429,
                    f"too many requests; retry in {wait} s",
                    "rate_limited",
                    headers={"Retry-After": str(wait)},
                    retry_after=wait,
                )
            buckets[caller] = (tokens - 1.0, t)
            while len(buckets) > MAX_TRACKED:
                buckets.popitem(last=False)


def caller_id(request: Request) -> str:
    """The signed-in user when known (set by serve_apps.auth.deps), else the client address."""
    user = getattr(request.state, "user_id", None)
    if user:
        return f"user:{user}"
    return f"ip:{request.client.host if request.client else 'unknown'}"


def limit(request: Request, rule_name: str, key: str | None = None) -> None:
    """Apply `rule_name` to this request's caller (or to `key`, e.g. the e-mail a login names)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.hit(rule_name, key or caller_id(request))

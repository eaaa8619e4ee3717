"""What every adapter that speaks HTTP shares: the client, the translation of httpx's errors and
of 429/5xx answers into `connector.errors`, and one retry policy.

- `make_client(...)`: an `httpx.Client` with our user agent, a timeout and a cookie jar.
- `send(client, method, url, what=..., unavailable=...)`: one request; a transport error, a 429 or
  a 5xx raises `unavailable` (a `Transient` error class: `SourceUnavailableError` by default,
  `PortalUnavailableError` for the portal) with `retry_after` set from the header when present.
  Any other status is returned for the caller to judge (a 404 means different things per site).
- `retrying(...)`: a tenacity decorator that retries only `connector.errors.Transient` errors,
  waits what the server's `Retry-After` asked (never more than `max_wait`: a longer request gives
  up at once, and the scheduler's next run tries again) or else backs off exponentially.

Messages name the site and the URL, never a form body: passwords travel only in POST bodies.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
import tenacity

from connector.errors import BadDocumentError, ConnectorError, SourceUnavailableError, is_transient

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) connector/0.1 (+theo-doi-chi-dao-dieu-hanh)"
T = TypeVar("T")


def make_client(
    base_url: str, *, timeout: float = 30, follow_redirects: bool = True, user_agent: str = USER_AGENT
) -> httpx.Client:
    """A client for one site: base URL, timeout on every phase, our user agent, its own cookies.

    TCP_NODELAY is set as browsers do: without it httpx's separate header and body writes meet
    the server's delayed ACK and every keep-alive request costs ~40 ms.
    """
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        transport=httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]),
        timeout=httpx.Timeout(timeout),
        follow_redirects=follow_redirects,
        headers={"User-Agent": user_agent, "Accept-Language": "vi-VN,vi;q=0.9"},
    )


def retry_after_seconds(response: httpx.Response, *, now: float | None = None) -> float | None:
    """The `Retry-After` header in seconds (a number or an HTTP date), or None when absent/garbled."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    unavailable: type[ConnectorError] = SourceUnavailableError,
    max_bytes: int | None = None,
    too_large: type[ConnectorError] = BadDocumentError,
    **kwargs: Any,
) -> httpx.Response:
    """One request. Transport errors, 429 and 5xx raise `unavailable` (Transient); the rest return.

    With `max_bytes`, the body is read as it streams in and a longer one raises `too_large`
    (Skippable by default) without being held in memory.
    """
    try:
        if max_bytes is None:
            response = client.request(method, url, **kwargs)
        else:
            response = _bounded(
                client, client.build_request(method, url, **kwargs), max_bytes, what, too_large
            )
    except httpx.TimeoutException as exc:
        raise unavailable(f"{what} không trả lời kịp thời ({type(exc).__name__}): {_where(exc)}.") from exc
    except httpx.TransportError as exc:
        raise unavailable(f"Không kết nối được tới {what} ({type(exc).__name__}): {_where(exc)}.") from exc
    except httpx.HTTPError as exc:  # e.g. too many redirects, an invalid URL in a Location header
        raise unavailable(f"Lỗi giao thức HTTP với {what} ({type(exc).__name__}): {_where(exc)}.") from exc
    status = response.status_code
    if status == 429 or status >= 500:
        wait = retry_after_seconds(response)
        label = "đang quá tải (429)" if status == 429 else f"báo lỗi máy chủ ({status})"
        extra = f"; hẹn thử lại sau {wait:g} giây" if wait is not None else ""
        err = unavailable(f"{what} {label} tại {response.request.url.copy_with(query=None)}{extra}.")
        err.retry_after = wait  # type: ignore[attr-defined]
        raise err
    return response


def _bounded(
    client: httpx.Client, request: httpx.Request, max_bytes: int, what: str, too_large: type[ConnectorError]
) -> httpx.Response:
    response = client.send(request, stream=True)
    try:
        declared = response.headers.get("Content-Length", "")
        chunks, size = [], 0
        if not (declared.isdigit() and int(declared) > max_bytes):
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    break
                chunks.append(chunk)
        if size > max_bytes or (declared.isdigit() and int(declared) > max_bytes):
            where = request.url.copy_with(query=None)
            raise too_large(f"Tệp tải từ {what} ({where}) lớn hơn giới hạn {max_bytes} byte.")
    finally:
        response.close()
    headers = [
        (k, v) for k, v in response.headers.multi_items() if k not in ("content-encoding", "content-length")
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=b"".join(chunks), request=response.request
    )


def _where(exc: httpx.HTTPError) -> str:
    try:
        return str(exc.request.url.copy_with(query=None))
    except RuntimeError:  # no request attached
        return "?"


def _should_retry(max_wait: float) -> Callable[[BaseException], bool]:
    def check(exc: BaseException) -> bool:
        wait = getattr(exc, "retry_after", None)
        return is_transient(exc) and (wait is None or wait <= max_wait)

    return check


class _Wait(tenacity.wait.wait_base):
    """Retry-After when the server gave one, else exponential backoff with a little jitter."""

    def __init__(self, initial: float, max_wait: float) -> None:
        self.initial = initial
        self.max_wait = max_wait

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        asked = getattr(exc, "retry_after", None)
        if asked is not None:
            return min(float(asked), self.max_wait)
        backoff = self.initial * 2 ** (retry_state.attempt_number - 1)
        return min(backoff * (1 + random.random() / 10), self.max_wait)


def retrying(
    *,
    attempts: int = 4,
    initial: float = 0.5,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: call again on `Transient` errors only, up to `attempts` calls; re-raise the last.

    A `Retry-After` longer than `max_wait` is not waited for here: the error goes up at once.
    """
    return tenacity.retry(
        retry=tenacity.retry_if_exception(_should_retry(max_wait)),
        stop=tenacity.stop_after_attempt(attempts),
        wait=_Wait(initial, max_wait),
        sleep=sleep,
        reraise=True,
    )

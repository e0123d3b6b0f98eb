"""Errors with rich gRPC details: one ErrorInfo, and a BadRequest listing every bad field.

Domain code raises `ClearwayError` (or collects `FieldViolations`); the server
interceptor turns it into a status with details. Nothing else is mapped: an
unexpected exception stays INTERNAL, because it is our bug, not the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

ERROR_DOMAIN = "clearway.dev"
DETAILS_BUDGET = 3000  # bytes of field violations: base64 in trailers stays well under 8 KiB
MAX_TEXT = 200
MAX_MESSAGE = 500


@dataclass(frozen=True)
class FieldViolation:
    """One bad field: its path in the request (e.g. `declaration.items[2].quantity`) and why."""

    field: str
    description: str


class ClearwayError(Exception):
    """A failure the caller should see with a gRPC code, a reason and details."""

    code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION
    reason: str = "FAILED_PRECONDITION"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        code: grpc.StatusCode | None = None,
        metadata: Mapping[str, str] | None = None,
        violations: tuple[FieldViolation, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        if code is not None:
            self.code = code
        self.metadata = dict(metadata or {})
        self.violations = violations

    def to_status(self) -> status_pb2.Status:
        """The google.rpc.Status carrying ErrorInfo and, for bad input, BadRequest.

        The status travels in trailing metadata, which gRPC clients cap (8 KiB by
        default): the violations listed stop at DETAILS_BUDGET bytes, and ErrorInfo
        says how many there were in all, so a huge bad request still gets an answer.
        """
        metadata = {k: v[:MAX_TEXT] for k, v in self.metadata.items()}
        listed: list[error_details_pb2.BadRequest.FieldViolation] = []
        used = 0
        for violation in self.violations:
            entry = error_details_pb2.BadRequest.FieldViolation(
                field=violation.field[:MAX_TEXT], description=violation.description[:MAX_TEXT]
            )
            used += entry.ByteSize() + 4
            if used > DETAILS_BUDGET:
                break
            listed.append(entry)
        if len(listed) < len(self.violations):
            metadata["violations_total"] = str(len(self.violations))
            metadata["violations_listed"] = str(len(listed))
        info = error_details_pb2.ErrorInfo(
            reason=self.reason, domain=ERROR_DOMAIN, metadata=metadata
        )
        details = [_pack(info)]
        if listed:
            details.append(_pack(error_details_pb2.BadRequest(field_violations=listed)))
        return status_pb2.Status(
            code=self.code.value[0], message=self.message[:MAX_MESSAGE], details=details
        )


class InvalidArgument(ClearwayError):
    """The request is malformed; every bad field is listed."""

    code = grpc.StatusCode.INVALID_ARGUMENT
    reason = "INVALID_ARGUMENT"


class NotFound(ClearwayError):
    code = grpc.StatusCode.NOT_FOUND
    reason = "NOT_FOUND"


class AlreadyExists(ClearwayError):
    code = grpc.StatusCode.ALREADY_EXISTS
    reason = "ALREADY_EXISTS"


class FailedPrecondition(ClearwayError):
    """The request is well formed but the resource's state does not allow it."""

    code = grpc.StatusCode.FAILED_PRECONDITION
    reason = "FAILED_PRECONDITION"


class Aborted(ClearwayError):
    """A concurrent change won; the caller may retry."""

    code = grpc.StatusCode.ABORTED
    reason = "ABORTED"


class Unavailable(ClearwayError):
    code = grpc.StatusCode.UNAVAILABLE
    reason = "UNAVAILABLE"


class Unauthenticated(ClearwayError):
    """The caller did not prove who it is (no credential, or one we do not know)."""

    code = grpc.StatusCode.UNAUTHENTICATED
    reason = "UNAUTHENTICATED"


class PermissionDenied(ClearwayError):
    """The caller is known but may not do this (e.g. claims to be another partner)."""

    code = grpc.StatusCode.PERMISSION_DENIED
    reason = "PERMISSION_DENIED"


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


class FieldViolations:
    """Collects every bad field of a request before failing, so the caller fixes all at once."""

    def __init__(self) -> None:
        self._items: list[FieldViolation] = []

    @staticmethod
    def single(field: str, description: str) -> tuple[FieldViolation, ...]:
        """The violations of a request with exactly one bad field."""
        return (FieldViolation(field, description),)

    def add(self, field: str, description: str) -> None:
        self._items.append(FieldViolation(field, description))

    def extend(self, other: FieldViolations) -> None:
        self._items.extend(other._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[FieldViolation]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def error(self, message: str = "the request has invalid fields") -> InvalidArgument:
        fields = ", ".join(v.field for v in self._items[:5])
        more = f" and {len(self._items) - 5} more" if len(self._items) > 5 else ""
        return InvalidArgument(f"{message}: {fields}{more}", violations=tuple(self._items))

    def raise_if_any(self, message: str = "the request has invalid fields") -> None:
        if self._items:
            raise self.error(message)


def status_of(
    error: grpc.RpcError,
) -> tuple[error_details_pb2.ErrorInfo | None, list[FieldViolation]]:
    """Read the ErrorInfo and field violations from a failed call (client side)."""
    status = rpc_status.from_call(error)
    if status is None:
        return None, []
    return details_of(status)


def details_of(
    status: status_pb2.Status,
) -> tuple[error_details_pb2.ErrorInfo | None, list[FieldViolation]]:
    """The ErrorInfo and field violations of a status (e.g. one embedded in a batch answer)."""
    info: error_details_pb2.ErrorInfo | None = None
    violations: list[FieldViolation] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations.extend(FieldViolation(v.field, v.description) for v in bad.field_violations)
    return info, violations


class ErrorInterceptor(grpc.ServerInterceptor):
    """Turns a ClearwayError raised by any handler into a rich status (no per-service copies).

    It also decodes requests itself: grpc would answer a request it cannot parse (say, a
    string field that is not UTF-8) with INTERNAL before any handler runs; the caller's
    mistake is INVALID_ARGUMENT with reason REQUEST_NOT_DECODABLE.
    """

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        decode = _decoder(handler.request_deserializer)
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                _guard_unary(handler.unary_unary, decode),
                request_deserializer=None,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                _guard_stream(handler.unary_stream, decode),
                request_deserializer=None,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                _guard_unary(handler.stream_unary, _stream_decoder(decode)),
                request_deserializer=None,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_stream:
            return grpc.stream_stream_rpc_method_handler(
                _guard_stream(handler.stream_stream, _stream_decoder(decode)),
                request_deserializer=None,
                response_serializer=handler.response_serializer,
            )
        return handler


def _decoder(deserializer: Callable[[bytes], Any] | None) -> Callable[[Any], Any]:
    if deserializer is None:
        return lambda raw: raw

    def decode(raw: bytes) -> Any:
        try:
            return deserializer(raw)
        except DecodeError as error:
            raise InvalidArgument(
                "the request is not a valid protobuf message of this method's type "
                "(for example a string field that is not UTF-8)",
                reason="REQUEST_NOT_DECODABLE",
                violations=FieldViolations.single("request", "cannot be decoded"),
            ) from error

    return decode


def _stream_decoder(decode: Callable[[Any], Any]) -> Callable[[Iterator[Any]], Iterator[Any]]:
    def decode_each(requests: Iterator[Any]) -> Iterator[Any]:
        for raw in requests:
            yield decode(raw)

    return decode_each


def _guard_unary(
    behaviour: Callable[[Any, grpc.ServicerContext], Any], decode: Callable[[Any], Any]
) -> Callable[..., Any]:
    def guarded(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return behaviour(decode(request), context)
        except ClearwayError as error:
            context.abort_with_status(rpc_status.to_status(error.to_status()))

    return guarded


def _guard_stream(
    behaviour: Callable[[Any, grpc.ServicerContext], Iterator[Any]],
    decode: Callable[[Any], Any],
) -> Callable[..., Iterator[Any]]:
    def guarded(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            yield from behaviour(decode(request), context)
        except ClearwayError as error:
            context.abort_with_status(rpc_status.to_status(error.to_status()))

    return guarded

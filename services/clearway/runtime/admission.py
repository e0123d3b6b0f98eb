"""Overload is refused at once with RESOURCE_EXHAUSTED, never left to wait for a thread.

A gRPC sync server runs each call on one thread of its pool (CLEARWAY_MAX_WORKERS) for the
call's whole life. Single calls are bounded by gRPC itself: `maximum_concurrent_rpcs`
(CLEARWAY_MAX_CONCURRENT_RPCS) counts the calls running or waiting for a thread, and gRPC
refuses one more with RESOURCE_EXHAUSTED before any thread sees it. That bound is not
enough for streams: a SubmitManifest stream holds its thread as long as the partner keeps
it open, so a few long streams would take every thread and single calls would wait in the
pool's queue until their deadline. `StreamLimit` serves at most `Settings.stream_limit`
streams at once; one more is refused with ErrorInfo reason OVERLOADED and a RetryInfo hint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from clearway.runtime.errors import ClearwayError

OVERLOADED = "OVERLOADED"
RETRY_AFTER_SECONDS = 1


class StreamLimit(grpc.ServerInterceptor):
    """Serves at most `limit` streaming calls at once; refuses the next ones at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open = 0
        self._lock = threading.Lock()

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._guard_stream(handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._guard_unary(handler.stream_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_stream:
            return grpc.stream_stream_rpc_method_handler(
                self._guard_stream(handler.stream_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler

    def _admit(self, context: grpc.ServicerContext) -> None:
        """Take a slot until the call ends (however it ends), or abort RESOURCE_EXHAUSTED."""
        with self._lock:
            admitted = self._open < self.limit
            if admitted:
                self._open += 1
        if not admitted:
            context.abort_with_status(rpc_status.to_status(overloaded_status(self.limit)))
        released = threading.Event()

        def release() -> None:
            with self._lock:
                if not released.is_set():
                    released.set()
                    self._open -= 1

        if not context.add_callback(release):
            release()

    def _guard_unary(self, behaviour: Callable[[Any, grpc.ServicerContext], Any]) -> Any:
        def guarded(requests: Any, context: grpc.ServicerContext) -> Any:
            self._admit(context)
            return behaviour(requests, context)

        return guarded

    def _guard_stream(
        self, behaviour: Callable[[Any, grpc.ServicerContext], Iterator[Any]]
    ) -> Callable[[Any, grpc.ServicerContext], Iterator[Any]]:
        def guarded(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            self._admit(context)
            yield from behaviour(request, context)

        return guarded


def overloaded_status(limit: int) -> status_pb2.Status:
    """RESOURCE_EXHAUSTED with ErrorInfo OVERLOADED and when to try again (google.rpc)."""
    status = ClearwayError(
        f"the server is serving its limit of {limit} streams; retry after {RETRY_AFTER_SECONDS} s",
        code=grpc.StatusCode.RESOURCE_EXHAUSTED,
        reason=OVERLOADED,
        metadata={"stream_limit": str(limit)},
    ).to_status()
    retry = any_pb2.Any()
    retry.Pack(
        error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=RETRY_AFTER_SECONDS))
    )
    status.details.append(retry)
    return status

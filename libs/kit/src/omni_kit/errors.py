"""Domain errors and their gRPC form: a canonical status code plus a google.rpc.ErrorInfo detail.

Services raise DomainError subclasses; the server interceptor turns them into a status with a
readable message, a machine reason (UPPER_SNAKE_CASE) and, for bad input, the field at fault.
Callers (the gateway, other services) read them back with `error_details`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

# The binary trailer that carries the google.rpc.Status (gRPC's rich error model).
STATUS_DETAILS_KEY = "grpc-status-details-bin"
# A message travels in the status and again in its details: bounded, so text a caller supplied
# (an id quoted in "no order with id ...") can never push the trailers past gRPC's metadata limit.
MAX_MESSAGE = 500
MAX_METADATA_VALUE = 200


def bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class DomainError(Exception):
    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    default_reason = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        field: str | None = None,
        metadata: Mapping[str, object] | None = None,
    ) -> None:
        message = bounded(message, MAX_MESSAGE)
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.field = None if field is None else bounded(field, MAX_METADATA_VALUE)
        self.metadata = {
            k: bounded(str(v), MAX_METADATA_VALUE) for k, v in (metadata or {}).items()
        }


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class Conflict(DomainError):
    """A concurrent or stale write: the caller may re-read and retry."""

    code = grpc.StatusCode.ABORTED
    default_reason = "CONFLICT"


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class Unauthenticated(DomainError):
    """The caller could not prove who it is (a callback whose signature does not match)."""

    code = grpc.StatusCode.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "UNAVAILABLE"


def to_status(error: DomainError, domain: str) -> grpc.Status:
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=domain, metadata=error.metadata)
    if error.field:
        info.metadata["field"] = error.field
    details = [_pack(info)]
    if error.field:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=error.field, description=error.message
        )
        details.append(_pack(error_details_pb2.BadRequest(field_violations=[violation])))
    status = status_pb2.Status(
        code=getattr(code_pb2, error.code.name), message=error.message, details=details
    )
    return rpc_status.to_status(status)


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


@dataclasses.dataclass(frozen=True)
class ErrorDetails:
    code: grpc.StatusCode
    message: str
    reason: str = ""
    domain: str = ""
    field: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)


def error_details(error: grpc.aio.AioRpcError | grpc.RpcError) -> ErrorDetails:
    """Read code, message, ErrorInfo reason/metadata and the field at fault from a failed call."""
    code = error.code()
    message = error.details() or ""
    status = _status_from_trailers(error)
    if status is None:
        return ErrorDetails(code=code, message=message)
    details = ErrorDetails(code=code, message=status.message or message)
    for packed in status.details:
        info = error_details_pb2.ErrorInfo()
        if packed.Unpack(info):  # False for details of other types
            meta = dict(info.metadata)
            details = ErrorDetails(
                code=code,
                message=details.message,
                reason=info.reason,
                domain=info.domain,
                field=meta.pop("field", None),
                metadata=meta,
            )
    return details


def _status_from_trailers(error: grpc.RpcError) -> status_pb2.Status | None:
    # What a failed call raises: an AioRpcError (grpc.aio), or an error that is also a grpc.Call
    # (the blocking API); both give the trailers as (key, value) pairs.
    trailers: Iterable[tuple[str, str | bytes]]
    if isinstance(error, grpc.aio.AioRpcError | grpc.Call):
        trailers = error.trailing_metadata() or ()
    else:
        return None
    for key, value in trailers:
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status()
            status.MergeFromString(value)
            return status
    return None

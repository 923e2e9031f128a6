"""The CustomerService gRPC servicer: protobuf <-> domain and store, one module per concern."""

from __future__ import annotations

from omni.customer.v1 import customer_pb2_grpc
from omni_customer.api.contact import ContactApi
from omni_customer.api.merges import MergesApi
from omni_customer.api.privacy import PrivacyApi
from omni_customer.api.profiles import ProfilesApi
from omni_customer.api.timeline import TimelineApi


class CustomerApi(
    ProfilesApi,
    ContactApi,
    MergesApi,
    TimelineApi,
    PrivacyApi,
    customer_pb2_grpc.CustomerServiceServicer,
):
    pass


__all__ = ["CustomerApi"]

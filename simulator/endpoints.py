"""The gateway endpoints the simulator serves, and which of them need a session."""

from __future__ import annotations

from enum import StrEnum


class Endpoint(StrEnum):
    """The gateway endpoints the simulator serves."""

    LOGIN = "/api/login/Basic"
    LOGOUT = "/api/logout"
    STATUS = "/api/status"
    POWERWALLS = "/api/powerwalls"
    POWERWALLS_STATUS = "/api/powerwalls/status"
    GRID_STATUS = "/api/system_status/grid_status"
    METERS_AGGREGATES = "/api/meters/aggregates"
    SOE = "/api/system_status/soe"

    @property
    def needs_session(self) -> bool:
        """Whether the endpoint answers only with a valid session."""
        return self in DATA_ENDPOINTS


DATA_ENDPOINTS = frozenset(
    {
        Endpoint.POWERWALLS,
        Endpoint.POWERWALLS_STATUS,
        Endpoint.GRID_STATUS,
        Endpoint.METERS_AGGREGATES,
        Endpoint.SOE,
    }
)

"""Emulated routes for events (bulk create jobs) and data-privacy deletion jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from freehold.connectors.klaviyo._emulator_base import KlaviyoEmulatorBase
from freehold.core.emulator import EmulatorRequest, EmulatorResponse, route

__all__ = ["DataRoutes"]

_MAX_EVENTS = 1000
_MAX_PROPERTIES = 400


class DataRoutes(KlaviyoEmulatorBase):
    """Events and deletions.

    Events are kept per profile, deduplicated by (profile, metric, unique_id); a deletion job
    removes every matching profile with its events and list memberships at once.
    """

    def recorded_events(self, email: str) -> list[dict[str, Any]]:
        """Return the events recorded on the profile with `email` (metric, unique_id, …)."""
        profile = next((p for p in self.profiles.values() if p.email == email.lower()), None)
        return [] if profile is None else list(self.events.get(profile.id, {}).values())

    @route("POST", "/api/event-bulk-create-jobs")
    async def create_event_job(self, request: EmulatorRequest) -> EmulatorResponse:
        """Record up to 1,000 events, all or none: one invalid event refuses the job (400)."""
        if len(request.body) > 5 * 1024 * 1024:
            return self._error(413, "invalid", "Payload too large.")
        entries = request.json()["data"]["attributes"]["events-bulk-create"]["data"]
        if sum(len(e["attributes"]["events"]["data"]) for e in entries) > _MAX_EVENTS:
            return self._error(400, "invalid", "Too many events.", pointer="/data")
        planned: list[tuple[str, dict[str, Any]]] = []
        for n, entry in enumerate(entries):
            identity = entry["attributes"]["profile"]["data"]["attributes"]
            email = identity.get("email")
            if not isinstance(email, str) or "@" not in email:
                pointer = f"/data/attributes/events-bulk-create/data/{n}/attributes/profile"
                return self._error(
                    400, "invalid", "A profile identifier is required.", pointer=pointer
                )
            for event in entry["attributes"]["events"]["data"]:
                attributes = event["attributes"]
                name = attributes["metric"]["data"]["attributes"]["name"]
                properties = attributes.get("properties")
                if not isinstance(properties, dict) or len(properties) > _MAX_PROPERTIES:
                    return self._error(400, "invalid", "Invalid properties.", pointer="/data")
                if not isinstance(name, str) or not 0 < len(name) < 128:  # noqa: PLR2004
                    return self._error(400, "invalid", "Invalid metric name.", pointer="/data")
                planned.append((email, attributes))
        for email, attributes in planned:
            profile = self._profile_for(email)
            name = attributes["metric"]["data"]["attributes"]["name"]
            unique = attributes.get("unique_id") or attributes.get("time") or iso_now(self)
            self.events.setdefault(profile.id, {})[(name, str(unique))] = {
                "metric": name,
                "unique_id": attributes.get("unique_id"),
                "time": attributes.get("time"),
                "value": attributes.get("value"),
                "value_currency": attributes.get("value_currency"),
                "properties": attributes.get("properties"),
            }
        return EmulatorResponse(202)

    @route("POST", "/api/data-privacy-deletion-jobs")
    async def create_deletion_job(self, request: EmulatorRequest) -> EmulatorResponse:
        """Delete every profile matching exactly one of id, email or phone number (202)."""
        data = request.json()["data"]["attributes"]["profile"]["data"]
        attributes = {k: v for k, v in (data.get("attributes") or {}).items() if v}
        given = [*attributes, *(["id"] if data.get("id") else [])]
        if len(given) != 1:
            return self._error(400, "invalid", "Exactly one identifier is required.")
        if data.get("id"):
            doomed = [p for p in self.profiles.values() if p.id == data["id"]]
        elif "email" in attributes:
            doomed = [p for p in self.profiles.values() if p.email == attributes["email"].lower()]
        else:
            doomed = [p for p in self.profiles.values() if p.phone == attributes["phone_number"]]
        for profile in doomed:
            del self.profiles[profile.id]
            self.events.pop(profile.id, None)
            for members in self.members.values():
                members.discard(profile.id)
        self.deleted += len(doomed)
        return EmulatorResponse(202)


def iso_now(emulator: KlaviyoEmulatorBase) -> str:
    """Return the emulator's clock as a deduplication key (the second, as Klaviyo does)."""
    return emulator.clock().astimezone(dt.UTC).replace(microsecond=0).isoformat()

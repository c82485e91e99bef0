"""The employee's notification settings: channel preferences and Web Push subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy import select

from orchestrator.actions import notification_settings as actions
from orchestrator.api.routing import Api, Call, Empty
from orchestrator.api.schemas import In, Out
from orchestrator.db.models import NotificationPreference, PushSubscription

api = Api()
TAG = "notifications"
Key = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_\-=]+$")]


class PreferencesIO(In):
    """Which channels the employee wants; all on unless changed."""

    in_app: bool
    email: bool
    web_push: bool


class PushKeysIn(In):
    p256dh: Key
    auth: Key


class PushSubscriptionIn(In):
    """The browser's ``PushSubscription.toJSON()`` (``expirationTime`` is ignored)."""

    endpoint: Annotated[
        str, StringConstraints(min_length=8, max_length=1000, pattern=r"^https?://\S+$")
    ]
    keys: PushKeysIn
    expirationTime: int | None = Field(default=None)  # the browser's name


class PushSubscriptionOut(Out):
    id: int
    endpoint: str
    created_at: datetime


class PushConfigOut(Out):
    enabled: bool
    public_key: str = Field(description="VAPID public key (applicationServerKey), base64url")


def _preferences_out(row: NotificationPreference) -> PreferencesIO:
    return PreferencesIO(in_app=row.in_app, email=row.email, web_push=row.web_push)


@api.route(
    "GET",
    "/api/me/notification-preferences",
    summary="My notification channels",
    tag=TAG,
    response=PreferencesIO,
)
async def get_preferences(call: Call[Empty, Empty]) -> PreferencesIO:
    async with call.uow.read() as db:
        return _preferences_out(await actions.load_preferences(db, call.employee.employee_id))


@api.route(
    "PUT",
    "/api/me/notification-preferences",
    summary="Choose my notification channels",
    tag=TAG,
    body=PreferencesIO,
    response=PreferencesIO,
)
async def put_preferences(call: Call[PreferencesIO, Empty]) -> PreferencesIO:
    async with call.uow.transaction() as db:
        row = await actions.do_set_notification_preferences(
            db,
            call.employee,
            in_app=call.body.in_app,
            email=call.body.email,
            web_push=call.body.web_push,
        )
        return _preferences_out(row)


@api.route(
    "GET",
    "/api/me/push-config",
    summary="Web Push availability and the VAPID public key",
    tag=TAG,
    response=PushConfigOut,
)
async def push_config(call: Call[Empty, Empty]) -> PushConfigOut:
    settings = call.settings
    enabled = bool(settings.vapid_private_key.get_secret_value() and settings.vapid_public_key)
    return PushConfigOut(enabled=enabled, public_key=settings.vapid_public_key if enabled else "")


@api.route(
    "GET",
    "/api/me/push-subscriptions",
    summary="My browsers' push subscriptions",
    tag=TAG,
    response=list[PushSubscriptionOut],
)
async def list_subscriptions(call: Call[Empty, Empty]) -> list[PushSubscriptionOut]:
    async with call.uow.read() as db:
        rows = await db.scalars(
            select(PushSubscription)
            .where(PushSubscription.employee_id == call.employee.employee_id)
            .order_by(PushSubscription.id)
        )
        return [PushSubscriptionOut.model_validate(r) for r in rows]


@api.route(
    "POST",
    "/api/me/push-subscriptions",
    summary="Register this browser for Web Push",
    tag=TAG,
    body=PushSubscriptionIn,
    response=PushSubscriptionOut,
    status=201,
)
async def add_subscription(call: Call[PushSubscriptionIn, Empty]) -> PushSubscriptionOut:
    async with call.uow.transaction() as db:
        row = await actions.do_add_push_subscription(
            db,
            call.employee,
            endpoint=call.body.endpoint,
            p256dh=call.body.keys.p256dh,
            auth=call.body.keys.auth,
        )
        return PushSubscriptionOut.model_validate(row)


@api.route(
    "DELETE",
    "/api/me/push-subscriptions/{subscription_id:\\d+}",
    summary="Unregister a browser from Web Push",
    tag=TAG,
    status=204,
)
async def remove_subscription(call: Call[Empty, Empty]) -> None:
    async with call.uow.transaction() as db:
        await actions.do_remove_push_subscription(
            db, call.employee, call.path_id("subscription_id")
        )

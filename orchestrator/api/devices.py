"""Administration of devices: CRUD, QR codes, the printable sheet."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from orchestrator.actions.devices import (
    do_create_device,
    do_delete_device,
    do_update_device,
    load_device,
)
from orchestrator.api.qr import device_page_url, qr_png, qr_sheet, qr_svg
from orchestrator.api.routing import Api, Call, Empty
from orchestrator.api.schemas import DeviceIn, DeviceOut, DevicePatch, ListQuery
from orchestrator.db.models import Device

api = Api()
TAG = "devices"
DEVICE = "/api/devices/{device_id:\\d+}"


def device_out(device: Device, public_url: str) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        name=device.name,
        code=device.code,
        location=device.location,
        picture_url=device.picture_url,
        assistant=device.assistant,
        responsible_employee_ids=[e.id for e in device.responsible_employees],
        responsible_team_ids=[t.id for t in device.responsible_teams],
        page_url=device_page_url(public_url, device),
        created_at=device.created_at,
    )


@api.route(
    "GET",
    "/api/devices",
    summary="List devices",
    tag=TAG,
    query=ListQuery,
    response=list[DeviceOut],
)
async def list_devices(call: Call[Empty, ListQuery]) -> list[DeviceOut]:
    async with call.uow.read() as db:
        rows = await db.scalars(
            select(Device)
            .where(Device.organisation_id == call.employee.organisation_id)
            .order_by(Device.name, Device.id)
            .limit(call.query.limit)
            .offset(call.query.offset)
        )
        return [device_out(d, call.settings.site_url) for d in rows]


@api.route(
    "POST",
    "/api/devices",
    summary="Create a device",
    tag=TAG,
    body=DeviceIn,
    response=DeviceOut,
    status=201,
)
async def create_device(call: Call[DeviceIn, Empty]) -> DeviceOut:
    body = call.body
    async with call.uow.transaction() as db:
        device = await do_create_device(
            db,
            call.employee,
            name=body.name,
            location=body.location,
            picture_url=body.picture_url,
            assistant=body.assistant,
            responsible_employee_ids=body.responsible_employee_ids,
            responsible_team_ids=body.responsible_team_ids,
        )
        return device_out(device, call.settings.site_url)


@api.route("GET", DEVICE, summary="One device", tag=TAG, response=DeviceOut)
async def get_device(call: Call[Empty, Empty]) -> DeviceOut:
    async with call.uow.read() as db:
        device = await load_device(db, call.employee, call.path_id("device_id"))
        return device_out(device, call.settings.site_url)


@api.route("PATCH", DEVICE, summary="Edit a device", tag=TAG, body=DevicePatch, response=DeviceOut)
async def update_device(call: Call[DevicePatch, Empty]) -> DeviceOut:
    body = call.body
    async with call.uow.transaction() as db:
        device = await do_update_device(
            db,
            call.employee,
            call.path_id("device_id"),
            name=body.name,
            location=body.location,
            picture_url=body.picture_url,
            assistant=body.assistant,
            responsible_employee_ids=body.responsible_employee_ids,
            responsible_team_ids=body.responsible_team_ids,
        )
        return device_out(device, call.settings.site_url)


@api.route("DELETE", DEVICE, summary="Delete a device", tag=TAG, status=204)
async def delete_device(call: Call[Empty, Empty]) -> None:
    async with call.uow.transaction() as db:
        await do_delete_device(db, call.employee, call.path_id("device_id"))


@api.route(
    "GET",
    DEVICE + "/qr.svg",
    summary="QR code of the device page (SVG)",
    tag=TAG,
    content_type="image/svg+xml",
)
async def device_qr_svg(call: Call[Empty, Empty]) -> web.Response:
    async with call.uow.read() as db:
        device = await load_device(db, call.employee, call.path_id("device_id"))
    return web.Response(
        body=qr_svg(device_page_url(call.settings.site_url, device)), content_type="image/svg+xml"
    )


@api.route(
    "GET",
    DEVICE + "/qr.png",
    summary="QR code of the device page (PNG)",
    tag=TAG,
    content_type="image/png",
)
async def device_qr_png(call: Call[Empty, Empty]) -> web.Response:
    async with call.uow.read() as db:
        device = await load_device(db, call.employee, call.path_id("device_id"))
    return web.Response(
        body=qr_png(device_page_url(call.settings.site_url, device)), content_type="image/png"
    )


@api.route(
    "GET",
    "/api/devices/qr-sheet",
    summary="Printable sheet of all devices' QR codes",
    tag=TAG,
    content_type="text/html",
)
async def device_qr_sheet(call: Call[Empty, Empty]) -> web.Response:
    async with call.uow.read() as db:
        devices = list(
            await db.scalars(
                select(Device)
                .where(Device.organisation_id == call.employee.organisation_id)
                .order_by(Device.name, Device.id)
            )
        )
    return web.Response(text=qr_sheet(call.settings.site_url, devices), content_type="text/html")

"""Demo data: an organisation, three employees, five devices, tickets, and sessions in
every status — made through the action functions, like real use."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from orchestrator.actions import sessions as s
from orchestrator.actions.actors import EmployeeActor
from orchestrator.actions.auth import do_open_device
from orchestrator.actions.devices import do_create_device
from orchestrator.actions.organisation import add_employee, do_create_organisation, do_create_team
from orchestrator.actions.tickets import do_create_ticket
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Organisation
from orchestrator.domain.assistant import AssistantButton
from orchestrator.domain.org_settings import OrganisationSettings
from orchestrator.domain.types import Language, RequestStep, Role, SessionStatus

DEMO_PASSWORD = "fernblick-demo"
DEMO_ORGANISATION = "Demo Maschinenbau GmbH"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role


DEMO_LOGINS = (
    DemoLogin("admin@demo.fernblick.test", Role.ADMINISTRATOR),
    DemoLogin("moderator@demo.fernblick.test", Role.MODERATOR),
    DemoLogin("employee@demo.fernblick.test", Role.EMPLOYEE),
)

_DEVICES = (
    ("Fräsmaschine FM-200", "Halle 1, Linie A", "fm200-demo"),
    ("Verpackungsanlage VP-7", "Halle 2", "vp7-demo"),
    ("Kaffeevollautomat Empfang", "Empfang, EG", "kaffee-demo"),
    ("Druckluftkompressor K3", "Technikraum", "k3-demo"),
    ("Laser-Schneider LS-1", "Halle 1, Linie B", "ls1-demo"),
)


def _assistant(phone: str) -> list[AssistantButton]:
    return [
        AssistantButton(
            label_de="Videositzung anfragen",
            label_en="Request a video session",
            action="request_session",
        ),
        AssistantButton(
            label_de="Bedienungsanleitung",
            label_en="Manual",
            action="open_url",
            target="https://example.org/manual.pdf",
        ),
        AssistantButton(
            label_de="Hotline anrufen",
            label_en="Call the hotline",
            action="call_phone",
            target=phone,
        ),
    ]


async def seed_demo(uow: UnitOfWork) -> bool:
    """Create the demo data once; False when it exists already."""
    async with uow.transaction() as db:
        exists = await db.scalar(
            select(Organisation.id).where(Organisation.name == DEMO_ORGANISATION)
        )
        if exists is not None:
            return False
        org = await do_create_organisation(
            db,
            name=DEMO_ORGANISATION,
            settings=OrganisationSettings(
                recording_allowed=True,
                request_steps=[
                    RequestStep.REASON,
                    RequestStep.CONTACT,
                    RequestStep.LABELS,
                    RequestStep.CONSENT,
                ],
                labels=["Störung", "Wartung", "Frage"],
                request_contact_hint="Hotline +49 30 1234567",
            ),
        )
        names = ("Anna Admin", "Moritz Moderator", "Emil Employee")
        employees = [
            await add_employee(
                db,
                org.id,
                name=name,
                email=login.email,
                password=DEMO_PASSWORD,
                role=login.role,
                language=Language.DE if i != 2 else Language.EN,
            )
            for i, (name, login) in enumerate(zip(names, DEMO_LOGINS, strict=True))
        ]
        admin = EmployeeActor(employees[0].id, org.id, Role.ADMINISTRATOR)
        team = await do_create_team(
            db, admin, name="Service", member_ids=[employees[1].id, employees[2].id]
        )
        devices = [
            await do_create_device(
                db,
                admin,
                name=name,
                location=location,
                code=code,
                assistant=_assistant("+49301234567"),
                responsible_employee_ids=[employees[0].id] if i % 2 == 0 else [],
                responsible_team_ids=[team.id],
            )
            for i, (name, location, code) in enumerate(_DEVICES)
        ]
        tickets = [
            await do_create_ticket(db, admin, title=title, device_id=devices[i].id)
            for i, title in enumerate(("Spindel vibriert", "Folie reißt ab", "Milchsystem undicht"))
        ]
        employee = EmployeeActor(employees[2].id, org.id, Role.EMPLOYEE)
        code_user = (await do_open_device(db, devices[0].code, None)).actor

        async def requested(device_index: int, reason: str) -> int:
            session = await s.do_request_session(
                db,
                code_user,
                device_id=devices[device_index].id,
                reason=reason,
                contact="kunde@example.org",
                name="Kim Kunde",
                labels=["Störung"],
                recording_consent=True,
            )
            return session.id

        await requested(0, "Die Spindel macht laute Geräusche.")
        confirmed = await requested(1, "Folie reißt beim Verschweißen.")
        await s.do_confirm(db, employee, confirmed)
        running = (
            await s.do_create_session(
                db, employee, title="Fernwartung Kompressor", device_id=devices[3].id
            )
        ).id
        await s.do_call_started(db, running, participants=["code_user", "employee"])
        done = await requested(2, "Milch läuft aus.")
        await s.do_confirm(db, employee, done)
        await s.do_call_started(db, done)
        await s.do_call_ended(db, done, duration_seconds=312.0, reason="hang-up")
        cancelled = await requested(4, "Schneidkopf verfärbt.")
        await s.do_withdraw(db, code_user, cancelled)
        await s.do_create_session(db, admin, ticket_id=tickets[0].id)
        statuses = {
            SessionStatus.REQUESTED,
            SessionStatus.CONFIRMED,
            SessionStatus.RUNNING,
            SessionStatus.DONE,
            SessionStatus.CANCELLED,
        }
        assert len(statuses) == 5
    return True

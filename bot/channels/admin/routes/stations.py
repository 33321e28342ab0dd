"""The station directory: staff fill in address, hours and phone, add a station they know of (its id is
made for them) with the services it offers, and correct the services of stations they added."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bot.channels.admin.deps import AdminDep, Staff, StaffForm, back
from bot.knowledge.service import EditError
from bot.knowledge.stations import load_directory

router = APIRouter()
Text = Annotated[str, Form()]


def _lines(text: str) -> list[str]:
    return [line.strip(" ·-•\t") for line in text.splitlines() if line.strip(" ·-•\t")]


@router.get("/stations")
def stations(request: Request, admin: AdminDep, s: Staff) -> Response:
    directory = load_directory(admin.settings.knowledge_dir, admin.space.knowledge.documents())
    listed = directory.stations if directory else []
    names = {st.id: st.name for st in listed}
    return admin.render(request, "stations.html", s, stations=listed, names=names,
                        districts=sorted({st.district for st in listed if st.district}))


@router.post("/stations/{station_id}")
def station_edit(admin: AdminDep, s: StaffForm, station_id: str, address: Text = "", hours: Text = "",
                 phone: Text = "", services: Annotated[str | None, Form()] = None) -> Response:
    service = admin.space.knowledge
    listed = None if services is None else _lines(services)
    try:
        planned = service.attempt(f"web:{s.user}", "station-edit", station_id, lambda: service.plan_station_contact(
            station_id, {"address": address, "hours": hours, "phone": phone}, services=listed))
        admin.space.apply(planned, s.user)
    except EditError as exc:
        return back("/stations", err=str(exc))
    return back("/stations", msg="已保存")


@router.post("/stations")
def station_add(admin: AdminDep, s: StaffForm, name: Text = "", level: Text = "", district: Text = "",
                parent: Text = "", services: Text = "", address: Text = "", hours: Text = "",
                phone: Text = "") -> Response:
    service = admin.space.knowledge
    try:
        planned = service.attempt(f"web:{s.user}", "station-add", name, lambda: service.plan_station_add(
            added_by=s.user, name=name.strip(), level=level.strip(), district=district.strip(),
            parent=parent.strip(), services=_lines(services), address=address, hours=hours, phone=phone))
        admin.space.apply(planned, s.user)
    except EditError as exc:
        return back("/stations", err=str(exc))
    return back("/stations", msg=f"已添加 {name.strip()}")

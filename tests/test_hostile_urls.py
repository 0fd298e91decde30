"""Every URL pattern, filled with hostile values, never answers a 5xx.

The walk takes the patterns from Django's resolver (admin and the API router included), so
a page is covered the day it is added. Each path parameter gets practice A's ids, practice
B's ids and the hostile values its converter lets through (non-ASCII digits, a NUL byte, a
number past 63 bits, a very long string). Each view that reads its query string (seen after
a first request: Django caches request.GET once read) gets hostile query strings for the
parameters our views read (ids, dates at the ends of the calendar, months, datetimes,
`next`, admin's q/o/p, list filters and date drill-down), one kind of hostile value at a
time; each view that takes a POST gets some of them as a form. Requests go as anonymous,
practice A's receptionist and practice A's director. Each request runs in a savepoint
rolled back afterwards, so one request's writes (or a broken transaction) never reach the
next. About 1,300 requests in three tests (admin, API, pages) for parallel runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pytest
from django.contrib.admin.options import ModelAdmin
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import get_converters
from django.utils import timezone

from appointments.models import Appointment
from practice.models import Practice
from practice.scoping import PracticeOwnedModel

from . import factories as f
from .online_booking.conftest import open_for_online

pytestmark = pytest.mark.django_db

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")

# Not walked: logging out ends the session the rest of the walk runs in.
SKIPPED_NAMES = {"logout", "admin:logout"}

NON_ASCII_DIGITS = "\u00b2"  # superscript two: str.isdigit() is True, int() fails
ARABIC_DIGITS = "\u0663\u0664"  # Arabic-Indic 34: int() takes them; an id must not
NUL = "\x00"
PAST_63_BITS = "9" * 20
LONG = "x" * 5000
HOSTILE_PATH_VALUES = [NON_ASCII_DIGITS, ARABIC_DIGITS, NUL, PAST_63_BITS, LONG]
# Django's admin pages of an object share one lookup: fewer values there.
HOSTILE_ADMIN_IDS = [NON_ASCII_DIGITS, NUL]

ID_PARAMS = ["location", "reason", "practitioner", "patient", "consultation_type"]
ID_PARAMS += ["appointment", "client", "run_by", "m", "member", "assignee"]
DATE_PARAMS = ["date", "day", "date_from", "date_to"]
OTHER_PARAMS = ["next", "q", "page", "species", "group", "o", "p", "show", "part", "from"]
OTHER_PARAMS += ["lang", "status", "source", "category", "is_active", "columns", "pick"]
OTHER_PARAMS += ["cancelled", "e", "_changelist_filters", "ordering", "search", "action"]
OTHER_PARAMS += ["MessageSid", "MessageStatus", "To", "From", "Body", "ErrorCode", "language"]
OTHER_PARAMS += ["first_name", "last_name", "mobile", "email", "messages_by", "website"]
OTHER_PARAMS += ["starts_at", "ends_at", "name", "practice", "value", "amount", "message", "key"]


@dataclass
class Route:
    template: str  # e.g. "/appointments/{appointment_id}/"
    params: dict[str, str]  # name → the regular expression its converter accepts
    name: str
    model_admin: ModelAdmin | None = None

    @property
    def is_admin(self) -> bool:
        return self.template.startswith("/admin/")

    def accepts(self, name: str, value: str) -> bool:
        return re.fullmatch(self.params[name], value) is not None


def _template_of(pattern) -> tuple[str, dict[str, str]]:
    text = str(pattern)
    if hasattr(pattern, "_route"):  # path(): <converter:name>
        converters = get_converters()
        params = {
            m["name"]: converters[m["converter"] or "str"].regex for m in _PARAM.finditer(text)
        }
        return _PARAM.sub(lambda m: "{" + m["name"] + "}", text), params
    # re_path() (admin's, the router's): named groups become parameters.
    text = text.removeprefix("^").removesuffix("$")
    params = {}

    def group(match: re.Match) -> str:
        params[match["name"]] = match["body"]
        return "{" + match["name"] + "}"

    text = _GROUP.sub(group, text).replace(r"\.", ".").replace("/?", "/")
    return text, params


def walk(patterns=None, prefix: str = "/", params=None) -> list[Route]:
    """Every URL pattern of the project, as a path template and its parameters."""
    routes: list[Route] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        template, found = _template_of(entry.pattern)
        merged = {**(params or {}), **found}
        if isinstance(entry, URLResolver):
            routes += walk(entry.url_patterns, prefix + template, merged)
        elif isinstance(entry, URLPattern) and entry.name not in SKIPPED_NAMES:
            routes.append(
                Route(
                    template=prefix + template,
                    params=merged,
                    name=entry.name or "",
                    model_admin=getattr(entry.callback, "model_admin", None),
                )
            )
    return routes


@dataclass
class World:
    """Practice A's and B's rows, by the names of the parameters that carry their ids."""

    practice_a: Practice
    own: dict[str, str] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)

    def admin_object_id(self, model_admin: ModelAdmin) -> str:
        model = model_admin.model
        if model is Practice:
            return str(self.practice_a.pk)
        if issubclass(model, PracticeOwnedModel):
            rows = model.objects.unscoped().filter(practice=self.practice_a)
        else:
            rows = model._default_manager.all()
        return str(rows.values_list("pk", flat=True).first() or 1)


def _checkout(practice, location, dentist, patient, ctype):
    """A completed visit today with its departure list and a custom option's link."""
    from departure_workflow.models import CustomOption, CustomOptionLink, DepartureAction
    from departure_workflow.services import workflow_build

    start = dt.datetime.combine(timezone.localdate(), dt.time(0, 15), tzinfo=location.tz)
    visit = f.AppointmentFactory(
        practice=practice,
        patient=patient,
        practitioner=dentist,
        location=location,
        consultation_type=ctype,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=10),
        status=Appointment.Status.COMPLETED,
    )
    option = CustomOption.objects.unscoped().create(
        practice=practice, appointment=visit, message="Leaflet"
    )
    link = CustomOptionLink.objects.unscoped().create(
        practice=practice, option=option, title="Leaflet", url="https://example.org/"
    )
    workflow = workflow_build(practice, visit)
    action = DepartureAction.objects.unscoped().filter(workflow=workflow).first()
    return workflow, action, link


def _ids(practice, appointment, reason, practitioner, user) -> dict[str, str]:
    from crm.models import Task
    from messaging.models import Message, MessageTemplate
    from online_booking.models import OnlineBooking

    message = Message.objects.unscoped().create(
        practice=practice,
        appointment=appointment,
        client=appointment.client,
        kind="confirmation",
        channel="sms",
        recipient="+31612345678",
        due_at=timezone.now(),
        idempotency_key=f"walk:{appointment.pk}",
        status=Message.Status.FAILED,
    )
    template, _made = MessageTemplate.objects.unscoped().get_or_create(
        practice=practice,
        consultation_type=appointment.consultation_type,
        kind="confirmation",
        channel="sms",
        language="en",
        defaults={"body": "Hi"},
    )
    booking = OnlineBooking.objects.unscoped().create(
        practice=practice, appointment=appointment, reason=reason, typed={}
    )
    task = Task.objects.unscoped().create(
        practice=practice,
        patient=appointment.patient,
        kind=Task.Kind.RECALL,
        assignee=practitioner,
        due_at=timezone.now(),
    )
    ids = {
        "location": appointment.location_id,
        "reason": reason.pk,
        "practitioner": practitioner.pk,
        "patient": appointment.patient_id,
        "client": appointment.client_id,
        "consultation_type": appointment.consultation_type_id,
        "appointment": appointment.pk,
        "run_by": user.pk,
        "m": message.pk,
        "message": message.pk,
        "template": template.pk,
        "booking": booking.pk,
        "task": task.pk,
        "member": practitioner.pk,
        "assignee": practitioner.pk,
        "pk": appointment.pk,
    }
    return {name: str(value) for name, value in ids.items()}


def _workflow_ids(practice, member, patient) -> dict[str, str]:
    """A live marketing workflow with the patient enrolled: `wf_id` and `enrolment_id`."""
    from marketing_workflows.models import Enrolment
    from marketing_workflows.services import (
        workflow_activate,
        workflow_create,
        workflow_version_save,
    )

    actor = member.user if member else f.MembershipFactory(practice=practice, role="director").user
    workflow = workflow_create(practice, actor=actor, name="Walk")
    criteria = [{"subject": "patient", "field": "name", "operator": "eq", "value": patient.name}]
    steps = [{"kind": "email", "subject": "Hi", "body": "Hello {patient}"}]
    workflow_version_save(
        practice, actor=actor, workflow=workflow, settings={"enrol_existing": True},
        criteria=criteria, steps=steps,
    )  # fmt: skip
    workflow_activate(practice, actor=actor, workflow=workflow)
    enrolment = Enrolment.objects.unscoped().filter(practice=practice).first()
    return {"wf": str(workflow.pk), "enrolment": str(enrolment.pk)}


@pytest.fixture
def world(
    practice_a,
    practice_b,
    location_a,
    location_b,
    director,
    receptionist,
    dentist,
    ctype_a,
    patient_a,
    appointment_a,
    appointment_b,
    vet_b,
):
    from messaging.links import appointment_link

    reason = open_for_online(practice_a, location_a, dentist, ctype_a)
    reason_b = open_for_online(practice_b, location_b, vet_b, appointment_b.consultation_type)
    for member in (director, receptionist):
        member.user.is_staff = True  # both may manage their practice's settings in admin
        member.user.save()
    world = World(practice_a)
    world.own = _ids(practice_a, appointment_a, reason, dentist, director.user)
    world.other = _ids(practice_b, appointment_b, reason_b, vet_b, vet_b.user)
    workflow, action, link = _checkout(practice_a, location_a, dentist, patient_a, ctype_a)
    world.own.update(workflow=str(workflow.pk), action=str(action.pk), link=str(link.pk))
    world.other.update(workflow=str(2**31), action=str(2**31), link=str(2**31))
    world.own.update(_workflow_ids(practice_a, director, appointment_a.patient))
    world.other.update(_workflow_ids(practice_b, None, appointment_b.patient))
    world.own.update(practice_slug=practice_a.slug, code=appointment_link(appointment_a)[-13:-1])
    world.other.update(practice_slug=practice_b.slug, code=appointment_link(appointment_b)[-13:-1])
    return world


def _path_value(values: dict[str, str], route: Route, name: str) -> str:
    regex = route.params[name]
    if "|" in regex:  # admin's app index: one of the app labels
        return regex.split("|")[0]
    if name == "object_id" and route.model_admin is not None:
        return values["admin_object"]
    fixed = {"format": "json", "step": "pay", "url": "nothing-here/"}
    return values.get(name) or values.get(name.removesuffix("_id")) or fixed.get(name, "1")


def build_path(route: Route, values: dict[str, str], hostile: dict[str, str] | None = None) -> str:
    hostile = hostile or {}
    return route.template.format(
        **{
            name: quote(hostile.get(name) or _path_value(values, route, name), safe="")
            for name in route.params
        }
    )


def query_sets(world: World, route: Route) -> list[dict[str, str]]:
    """Hostile query strings and forms: each breaks one kind of value and keeps the others
    sane (a view stops at the first bad parameter; one kind at a time reaches deeper)."""
    own_ids = {p: world.own[p] for p in ID_PARAMS}
    admin_filters = _admin_filter_params(route.model_admin)
    everything = [*ID_PARAMS, *DATE_PARAMS, *OTHER_PARAMS, "month", "start", *admin_filters]

    def dates(day: str, month: str, moment: str, **changes: str) -> dict[str, str]:
        return {
            **own_ids,
            **dict.fromkeys(DATE_PARAMS, day),
            **dict.fromkeys(["starts_at", "ends_at"], moment),
            "month": month,
            "start": moment,
            **{name: day[:4] for name in admin_filters if name.endswith("__year")},
            **changes,
        }

    return [
        {
            **dict.fromkeys(ID_PARAMS, NON_ASCII_DIGITS),
            **dict.fromkeys(admin_filters, NON_ASCII_DIGITS),
            "page": NON_ASCII_DIGITS,
            "p": NON_ASCII_DIGITS,
            "practice": NON_ASCII_DIGITS,
        },
        dict.fromkeys(everything, NUL),
        dates("0001-01-01", "0001-01", "0001-01-01T00:00:00+14:00"),
        dates("9999-12-31", "9999-12", "9999-12-31T23:59:59-12:00"),
        # The API's appointment filters take datetimes, the report's dates.
        dates("0001-01-01", "0001-01", "0001-01-01T00:00:00Z", date_from="0001-01-01T00:00:00Z"),
        dates("9999-12-31", "9999-12", "9999-12-31T23:59:59Z", date_to="9999-12-31T23:59:59Z"),
        {
            **dict.fromkeys(everything, LONG),
            **dict.fromkeys(ID_PARAMS, PAST_63_BITS),
            "date": "2024-02-30",
            "month": "2024-13",
            "start": "2024-01-01T25:00",
            "next": "calendar",  # no slash: redirect() would take it for a URL name
            "page": "-1",
            "o": "999",
            "p": "-1",
        },
        {**world.other, "next": "//evil.example/", "practice": world.other["pk"]},
    ]


# The sets posted as forms (all are sent as query strings).
POSTED_SETS = (0, 1, 3, 6)
# Pages that cost a lot per request (a PDF, the whole schema): two sets are enough.
EXPENSIVE = {"schema", "api-docs", "report-departure-pdf"}


def _admin_filter_params(model_admin: ModelAdmin | None) -> list[str]:
    if model_admin is None:
        return []
    names = [item for item in model_admin.list_filter if isinstance(item, str)]
    params = [f"{name}__exact" for name in names] + [f"{name}__id__exact" for name in names]
    if model_admin.date_hierarchy:
        params += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return params


ANONYMOUS, RECEPTION, DIRECTOR = 0, 1, 2
WHO = ["anonymous", "reception", "director"]


class Walker:
    """Sends requests as anonymous, receptionist or director; collects every 5xx."""

    def __init__(self, users):
        self.failures: list[str] = []
        self.count = 0
        self.clients = []
        for user in users:
            client = Client(raise_request_exception=False)
            if user is not None:
                client.force_login(user)
            self.clients.append(client)
        self._exceptions: list[BaseException | None] = []

    def __enter__(self):
        got_request_exception.connect(self._record)
        return self

    def __exit__(self, *exc_info):
        got_request_exception.disconnect(self._record)

    def _record(self, sender, request=None, **kwargs):
        self._exceptions.append(sys.exc_info()[1])

    def request(self, who: int, method: str, path: str, data: dict | None = None):
        self._exceptions.clear()
        self.count += 1
        sid = transaction.savepoint()
        try:
            response = getattr(self.clients[who], method)(path, data or {})
        finally:
            transaction.savepoint_rollback(sid)
        if response.status_code >= 500:
            error = repr(self._exceptions[-1])[:300] if self._exceptions else ""
            shown = {k: (v if len(v) < 30 else v[:12] + "…") for k, v in (data or {}).items()}
            self.failures.append(
                f"{method.upper()} {path[:100]} as {WHO[who]} → {response.status_code} {error}"
                + (f"\n    with {shown}" if data else "")
            )
        return response


@dataclass
class Reach:
    """Who reaches a view, and whether it reads the query string and a form."""

    users: list[int]
    reads_query: bool
    reads_form: bool
    reads_query_on_post: bool


def _reads(response, name: str) -> bool:
    # WSGIRequest.GET is a cached property: present once a view (or a template) read it.
    return name in response.wsgi_request.__dict__


def _refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "login" in response.headers.get("Location", "")


def _reach(walker: Walker, route: Route, path: str, form: dict[str, str]) -> Reach:
    users = [ANONYMOUS, RECEPTION, DIRECTOR]
    if route.is_admin:  # admin answers anonymous with its login page: staff only
        users = users[1:]
    got = walker.request(users[0], "get", path)
    if users[0] == ANONYMOUS and _refused(got):
        users = users[1:]
        got = walker.request(users[0], "get", path)
    posted = None
    if not route.is_admin or route.name.endswith(("_add", "_change")):
        posted = walker.request(users[-1], "post", path, form)
        if users[0] == ANONYMOUS and _refused(posted):  # a staff view that takes only POST
            users = users[1:]
            posted = walker.request(users[-1], "post", path, form)
    return Reach(
        users=users,
        reads_query=_reads(got, "GET"),
        # Every form is read (for NUL bytes) before the view: one the view refuses is not.
        reads_form=posted is not None and posted.status_code != 405,
        reads_query_on_post=posted is not None and _reads(posted, "GET"),
    )


# Third-party admin (users, groups, Celery beat schedules) is for superusers: our staff get
# 403 there, so one request per pattern is enough.
OUR_APPS = {"practice", "patients", "appointments", "departure_workflow", "messaging"}
OUR_APPS |= {"online_booking", "crm", "marketing_workflows", "reports"}


def _sets_for(route: Route, reach: Reach, count: int) -> tuple[list[int], list[int]]:
    """Which query sets go as GET and which as POST (beyond the probes of _reach)."""
    get = list(range(count)) if reach.reads_query else []
    post = [n for n in POSTED_SETS if n < count] if reach.reads_form else []
    if not route.template.startswith("/api/"):
        get = [n for n in get if n not in (4, 5)]  # dates as datetimes: the API's filters
    if route.name in EXPENSIVE:
        get = [n for n in get if n in (1, 6)]
    if route.is_admin:
        # The change list reads the filters (its form is the actions'); the other admin pages
        # got their hostile form in the probe.
        changelist = route.name.endswith("changelist")
        get = [n for n in get if n in (0, 1, 3, 6)] if changelist else []
        post = [1] if changelist and post else []
    return get, post


def _walk_route(walker: Walker, world: World, route: Route) -> None:
    admin = route.model_admin
    values = dict(world.own, admin_object=world.admin_object_id(admin) if admin else "")
    own_path = build_path(route, values)
    if admin is not None and admin.opts.app_label not in OUR_APPS:
        walker.request(DIRECTOR, "get", own_path)
        return
    sets = query_sets(world, route)
    reach = _reach(walker, route, own_path, sets[1])
    if route.params and not route.is_admin:
        walker.request(reach.users[-1], "get", build_path(route, world.other))
    hostile_values = HOSTILE_ADMIN_IDS if route.is_admin else HOSTILE_PATH_VALUES
    if route.params and (not route.is_admin or route.name.endswith("_change")):
        for n, value in enumerate(hostile_values):
            hostile = {name: value for name in route.params if route.accepts(name, value)}
            if hostile:  # a value the converter refuses never reaches a view
                who = reach.users[n % len(reach.users)]
                walker.request(who, "get", build_path(route, values, hostile))
    get_sets, post_sets = _sets_for(route, reach, len(sets))
    for n in get_sets:
        walker.request(reach.users[n % len(reach.users)], "get", own_path, sets[n])
    for n in post_sets:
        path = f"{own_path}?{urlencode(sets[n])}" if reach.reads_query_on_post else own_path
        walker.request(reach.users[(n + 1) % len(reach.users)], "post", path, sets[n])


GROUPS = {
    "admin": lambda route: route.is_admin,
    "api": lambda route: route.template.startswith("/api/"),
    "pages": lambda route: not route.is_admin and not route.template.startswith("/api/"),
}


# Three groups, so a parallel run (pytest -n 2) spreads the walk over the workers.
@pytest.mark.parametrize("group", GROUPS)
@override_settings(ONLINE_BOOKING_RATE_READ="100000/m", ONLINE_BOOKING_RATE_BOOK="100000/m")
def test_no_url_answers_5xx_to_hostile_paths_query_strings_and_forms(
    group, world, director, receptionist
):
    # given every URL pattern of the group, and anonymous, receptionist and director of A
    routes = [route for route in walk() if GROUPS[group](route)]
    django_log = logging.getLogger("django")
    level, django_log.level = django_log.level, logging.CRITICAL  # hundreds of 400s and 404s
    started, cpu = time.monotonic(), time.process_time()
    # when each is requested with hostile path values, query strings and forms
    try:
        with Walker([None, receptionist.user, director.user]) as walker:
            for route in routes:
                _walk_route(walker, world, route)
    finally:
        django_log.level = level
    # then none answers 5xx
    print(  # noqa: T201
        f"{group}: {len(routes)} patterns, {walker.count} requests in"
        f" {time.monotonic() - started:.1f} s ({time.process_time() - cpu:.1f} s of CPU)"
    )
    assert walker.failures == [], "\n".join(walker.failures)


def test_the_walk_reaches_admin_the_api_public_pages_and_staff_pages():
    routes = walk()
    assert sum(1 for route in routes if not any(g(route) for g in GROUPS.values())) == 0
    templates = {route.template for route in routes}
    assert "/admin/practice/practice/{object_id}/change/" in templates
    assert "/api/v1/appointments/{pk}/" in templates
    assert "/api/v1/public/{practice_slug}/days/" in templates
    assert "/p/{practice_slug}/book/done/{code}/" in templates
    assert "/messaging/twilio/status/" in templates
    assert "/calendar/" in templates
    assert "/marketing/workflows/{wf_id}/enrolments/{enrolment_id}/remove/" in templates
    assert "/tasks/{task_id}/reassign/" in templates

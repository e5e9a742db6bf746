"""The coordinators' workspace: signed-in pages served beside the email-link pages.

``routes(store, settings, clock)`` gives the Starlette routes that ``engine.web.create_app``
mounts (so ``nhacviec run`` and ``nhacviec web`` serve them):

=============================  ===========================================================
``/dang-nhap``                 ask for a sign-in link by email (``engine.workspace.auth``)
``/dang-nhap/{token}``         the link: a button that signs in
``/dang-xuat``                 sign out (POST)
``/``                          the scorecard of each plan (the numbers of ``status``)
``/ke-hoach/{key}/theo-doi-tu`` move a plan's tracking start (its owner; POST)
``/nghia-vu``                  obligations, with filters (plan, agency, status, dates)
``/qua-han``                   what is overdue
``/nghia-vu/{id}``             one obligation: details, messages, history, actions
``/gia-han``                   extension requests waiting for a decision
``/lich``                      the month calendar, and the agency's iCal feed address
``/lich/{token}.ics``          that feed (signed; calendar programs have no session)
``/bao-cao``                   the xlsx report of an owned plan, the reminder letters
``/lien-he``                   contacts and their Telegram invitation codes
``/nhap-ke-hoach``             import a plan document, correct its tasks, load it
=============================  ===========================================================

Without a session every page but the sign-in pages (and the signed iCal feed) sends the
browser to ``/dang-nhap``.
Without the ``[web] secret_env`` secret the workspace says it is not configured.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from engine.workspace import contacts, extras, importing, pages, signin
from engine.workspace.web import Clock, Site

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.store.db import Store


def routes(store: Store, settings: Settings, clock: Clock) -> list[BaseRoute]:
    site = Site(store, settings, clock)

    def anonymous(
        handler: Callable[[Site, Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handler(site, request)

        return endpoint

    page = site.page
    return [
        Route("/dang-nhap", anonymous(signin.form_page), methods=["GET"]),
        Route("/dang-nhap", anonymous(signin.request_link), methods=["POST"]),
        Route("/dang-nhap/{token}", anonymous(signin.link_page), methods=["GET"]),
        Route("/dang-nhap/{token}", anonymous(signin.use_link), methods=["POST"]),
        Route("/dang-xuat", anonymous(signin.sign_out), methods=["POST"]),
        Route("/giao-dien/nhacviec.css", anonymous(signin.style_sheet), methods=["GET"]),
        Route("/", page(pages.home), methods=["GET"]),
        Route("/ke-hoach/{key}/theo-doi-tu", page(pages.tracking_start), methods=["POST"]),
        Route("/nghia-vu", page(pages.obligations), methods=["GET"]),
        Route("/qua-han", page(pages.overdue_list), methods=["GET"]),
        Route("/nghia-vu/{id}", page(pages.obligation), methods=["GET"]),
        Route("/nghia-vu/{id}/xac-nhan", page(pages.acknowledge), methods=["POST"]),
        Route("/nghia-vu/{id}/hoan-thanh", page(pages.complete), methods=["POST"]),
        Route("/nghia-vu/{id}/{action}", page(pages.more_action), methods=["POST"]),
        Route("/gia-han", page(pages.extensions), methods=["GET"]),
        Route("/gia-han/{id}/dong-y", page(pages.approve), methods=["POST"]),
        Route("/gia-han/{id}/tu-choi", page(pages.refuse), methods=["POST"]),
        Route("/lich", page(extras.calendar), methods=["GET"]),
        Route("/lich/{token}.ics", anonymous(extras.feed), methods=["GET"]),
        Route("/bao-cao", page(extras.downloads), methods=["GET"]),
        Route("/bao-cao.xlsx", page(extras.report_xlsx), methods=["GET"]),
        Route("/cong-van/{id}", page(extras.letter_docx), methods=["GET"]),
        Route("/lien-he", page(contacts.contacts_page), methods=["GET"]),
        Route("/lien-he/{id}/moi", page(contacts.invite), methods=["POST"]),
        Route("/nhap-ke-hoach", page(importing.upload_page), methods=["GET"]),
        Route("/nhap-ke-hoach", page(importing.upload, uploads=True), methods=["POST"]),
        Route("/nhap-ke-hoach/{id}", page(importing.draft_page), methods=["GET"]),
        Route("/nhap-ke-hoach/{id}", page(importing.save), methods=["POST"]),
    ]

"""Errors that Django answers by itself under /api/ become problem details too."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseServerError, JsonResponse
from django.test import RequestFactory

from carnet.core.problems import ProblemDetailsMiddleware, problem


def through_middleware(path: str, response: HttpResponse, method: str = "get") -> HttpResponse:
    request = getattr(RequestFactory(), method)(path)
    return ProblemDetailsMiddleware(lambda request: response)(request)


def body_of(response: HttpResponse) -> dict[str, Any]:
    return json.loads(response.content)


def test_an_html_server_error_under_the_api_becomes_a_problem():
    response = through_middleware("/api/v1/clients", HttpResponseServerError("<h1>Erreur</h1>"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = body_of(response)
    assert body["title"] == "Erreur interne"
    assert "<h1>" not in response.content.decode()


def test_a_method_refusal_keeps_its_allow_header():
    refusal = HttpResponseNotAllowed(["GET", "POST"], content=b"Method not allowed")
    response = through_middleware("/api/v1/clients", refusal, method="put")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert "PUT" in body_of(response)["detail"]
    assert "GET, POST" in body_of(response)["detail"]


def test_pages_outside_the_api_are_left_alone():
    page = HttpResponse("<h1>Introuvable</h1>", status=404)
    assert through_middleware("/clients/12/", page) is page


def test_problems_and_successes_are_left_alone():
    already = problem(409, "Conflit", "Déjà là.")
    assert through_middleware("/api/v1/clients", already) is already
    ok = JsonResponse({"items": []})
    assert through_middleware("/api/v1/clients", ok) is ok

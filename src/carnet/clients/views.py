from django.http import HttpRequest, HttpResponse


def client_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")

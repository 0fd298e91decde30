from django.urls import path

from . import api

urlpatterns = [
    path("reasons/", api.ReasonsView.as_view(), name="online-api-reasons"),
    path("days/", api.DaysView.as_view(), name="online-api-days"),
    path("times/", api.TimesView.as_view(), name="online-api-times"),
    path("book/", api.BookView.as_view(), name="online-api-book"),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("practice/switch/", views.practice_switch, name="practice-switch"),
    path("me/", views.my_settings, name="my-settings"),
    path("p/<slug:practice_slug>/", views.public_practice, name="public-practice"),
]

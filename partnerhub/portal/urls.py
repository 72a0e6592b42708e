from django.urls import path

from . import views

app_name = "core"  # the pages' URL names predate this app: `core:dashboard`, `core:set-language` …

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings/activity/", views.activity_log, name="activity-log"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("language/", views.set_language, name="set-language"),
]

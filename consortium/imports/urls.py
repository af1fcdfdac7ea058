from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.ImportJobListView.as_view(), name="job-list"),
    path("new/", views.ImportUploadView.as_view(), name="upload"),
    path("template/", views.TemplateDownloadView.as_view(), name="template"),
    path("export/", views.ExportDownloadView.as_view(), name="export"),
    path("<int:pk>/", views.ImportJobDetailView.as_view(), name="job-detail"),
    path("<int:pk>/confirm/", views.ImportJobConfirmView.as_view(), name="job-confirm"),
]

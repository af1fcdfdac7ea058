from django.urls import path

from . import views

app_name = "council"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("new/", views.CouncilCreateView.as_view(), name="council-create"),
    path("<int:pk>/", views.CouncilDetailView.as_view(), name="council-detail"),
    path("<int:pk>/edit/", views.CouncilEditView.as_view(), name="council-edit"),
    path("<int:pk>/seats/new/", views.SeatCreateView.as_view(), name="seat-create"),
    path("<int:pk>/documents/new/", views.DocumentCreateView.as_view(), name="document-create"),
    path("<int:pk>/meetings/new/", views.MeetingCreateView.as_view(), name="meeting-create"),
    path("seats/<int:pk>/edit/", views.SeatEditView.as_view(), name="seat-edit"),
    path("seats/<int:pk>/end/", views.SeatEndView.as_view(), name="seat-end"),
    path("documents/", views.DocumentListView.as_view(), name="document-list"),
    path("documents/<int:pk>/", views.DocumentDetailView.as_view(), name="document-detail"),
    path("documents/<int:pk>/edit/", views.DocumentEditView.as_view(), name="document-edit"),
    path("documents/<int:pk>/share/", views.DocumentShareView.as_view(), name="document-share"),
    path("documents/<int:pk>/versions/new/", views.VersionCreateView.as_view(), name="version-create"),
    path("versions/<int:pk>/edit/", views.VersionEditView.as_view(), name="version-edit"),
    path("versions/<int:pk>/adopt/", views.VersionAdoptView.as_view(), name="version-adopt"),
    path("versions/<int:pk>/attachment/", views.VersionAttachmentView.as_view(), name="version-attachment"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path("meetings/<int:pk>/edit/", views.MeetingEditView.as_view(), name="meeting-edit"),
    path("meetings/<int:pk>/notice/", views.MeetingNoticeView.as_view(), name="meeting-notice"),
    path("meetings/<int:pk>/hold/", views.MeetingHoldView.as_view(), name="meeting-hold"),
    path("meetings/<int:pk>/cancel/", views.MeetingCancelView.as_view(), name="meeting-cancel"),
    path("meetings/<int:pk>/close/", views.MeetingCloseView.as_view(), name="meeting-close"),
    path("meetings/<int:pk>/attendance/", views.AttendanceRecordView.as_view(), name="meeting-attendance"),
    path("meetings/<int:pk>/agenda/new/", views.AgendaItemCreateView.as_view(), name="agenda-create"),
    path("meetings/<int:pk>/resolutions/new/", views.ResolutionCreateView.as_view(), name="resolution-create"),
    path("agenda/<int:pk>/edit/", views.AgendaItemEditView.as_view(), name="agenda-edit"),
    path("agenda/<int:pk>/delete/", views.AgendaItemDeleteView.as_view(), name="agenda-delete"),
    path("resolutions/", views.RegisterView.as_view(), name="resolution-register"),
    path("resolutions/<int:pk>/", views.ResolutionDetailView.as_view(), name="resolution-detail"),
    path("resolutions/<int:pk>/vote/", views.VoteRecordView.as_view(), name="resolution-vote"),
    path("resolutions/<int:pk>/decide/", views.ResolutionDecideView.as_view(), name="resolution-decide"),
]

"""Import centre pages: job list, upload, job detail (polled with htmx while running), confirm, template, export.

Every view derives from ScopedViewMixin (jobs are fetched through ``visible_to``; foreign jobs answer 404);
writes go through ``services``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, View

from consortium.tenancy.mixins import ScopedActionMixin, ScopedViewMixin
from consortium.tenancy.models import MemberUnit
from consortium.tenancy.scoping import is_platform_admin

from . import services, xlsx
from .forms import ImportUploadForm
from .models import ImportJob
from .registry import all_importers, get_importer

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def request_too_large(request: Any) -> bool:
    """Refuse oversize uploads from the Content-Length header, before the body is parsed."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > xlsx.MAX_UPLOAD_BYTES + 64 * 1024


def oversize_message() -> str:
    return _("文件过大，上传文件不能超过 %(limit)s。") % {"limit": xlsx._mb(xlsx.MAX_UPLOAD_BYTES)}


def can_upload(user: Any) -> bool:
    return is_platform_admin(user) or getattr(user, "role", None) in ("secretariat", "member")


def _importer_links(user: Any) -> list[dict[str, Any]]:
    links = []
    for importer in all_importers():
        links.append(
            {
                "importer": importer,
                "import_units": list(importer.importable_units(user)[:50]),
                "export_units": list(importer.exportable_units(user)[:50]),
            }
        )
    return links


class ImportJobListView(ScopedViewMixin, ListView):
    model = ImportJob
    template_name = "imports/job_list.html"
    context_object_name = "jobs"
    paginate_by = 20

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "created_by").defer("preview", "errors")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["importers"] = _importer_links(self.request.user)
        context["can_upload"] = can_upload(self.request.user)
        return context


class ImportUploadView(ScopedViewMixin, FormView):
    model = ImportJob
    write_view = True
    form_class = ImportUploadForm
    template_name = "imports/upload.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_upload(request.user):
            raise PermissionDenied(_("您的角色为只读，不能导入数据。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.request.method == "GET" and self.request.GET.get("kind"):
            kwargs["initial"] = {**kwargs.get("initial", {}), "kind": self.request.GET["kind"]}
        return kwargs

    def post(self, request, *args, **kwargs):
        if request_too_large(request):
            form = ImportUploadForm(user=request.user)
            form.add_error("file", oversize_message())
            return self.render_to_response(self.get_context_data(form=form), status=400)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: ImportUploadForm) -> HttpResponse:
        try:
            job = services.import_job_create(
                actor=self.request.user,
                kind=form.cleaned_data["kind"],
                unit=form.cleaned_data["unit"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error("unit", str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("文件已上传，正在校验（不会写入数据）。"))
        return redirect("imports:job-detail", pk=job.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportJobDetailView(ScopedViewMixin, DetailView):
    model = ImportJob
    template_name = "imports/job_detail.html"
    context_object_name = "job"

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "created_by", "confirmed_by")

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["imports/_job_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job = self.object
        editable = ImportJob.objects.editable_by(self.request.user).filter(pk=job.pk).exists()
        context["editable"] = editable
        context["can_confirm"] = editable and job.status == "validated"
        # The preview shows file contents (personal data): only to those who may act on the job.
        context["show_preview"] = editable and bool(job.preview.get("rows"))
        return context


class ImportJobConfirmView(ScopedActionMixin, View):
    model = ImportJob

    def post(self, request, *args, **kwargs):
        job = self.get_object()
        try:
            services.import_job_confirm(actor=request.user, job=job)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已确认，正在导入。"))
        return HttpResponseRedirect(reverse("imports:job-detail", kwargs={"pk": job.pk}))


def _unit_param(request: Any, *, required: bool) -> MemberUnit | None:
    raw = request.GET.get("unit") or ""
    if not raw:
        if required:
            raise Http404(_("请选择单位。"))
        return None
    try:
        return MemberUnit.objects.visible_to(request.user).get(pk=int(raw))
    except (MemberUnit.DoesNotExist, ValueError):
        raise Http404(_("记录不存在。"))


class TemplateDownloadView(ScopedViewMixin, View):
    """GET ?kind=<importer key>[&unit=<id>]: the Excel template (with the unit's code lists when given)."""

    model = ImportJob

    def get(self, request, *args, **kwargs):
        kind = request.GET.get("kind") or ""
        if get_importer(kind) is None:
            return redirect("imports:job-list")
        unit = _unit_param(request, required=False)
        filename, content = services.import_template_build(actor=request.user, kind=kind, unit=unit)
        return xlsx_response(filename, content)


class ExportDownloadView(ScopedViewMixin, View):
    """GET ?kind=<importer key>&unit=<id>: the unit's rows in the template's columns."""

    model = ImportJob

    def get(self, request, *args, **kwargs):
        kind = request.GET.get("kind") or ""
        if get_importer(kind) is None:
            return redirect("imports:job-list")
        unit = _unit_param(request, required=True)
        filename, content = services.export_build(actor=request.user, kind=kind, unit=unit)
        return xlsx_response(filename, content)

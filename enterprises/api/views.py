"""API viewsets: derive from consortium.tenancy.api.base.TenantModelViewSet."""

"""Forms of the schools app (derive from consortium.tenancy.mixins.TenantModelForm)."""

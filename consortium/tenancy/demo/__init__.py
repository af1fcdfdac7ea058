"""Demo data for the portal (``manage.py load_demo``): kernel part in ``kernel``, council part in ``council``;
the domain apps' own ``<app>.demo`` modules are found by ``domains`` (protocol documented there)."""

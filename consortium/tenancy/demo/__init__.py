"""Demo data for the portal (``manage.py load_demo``): kernel part in ``kernel``, council part in ``council``."""

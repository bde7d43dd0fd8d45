from django.apps import AppConfig


class ConsultConfig(AppConfig):
    """The project itself, as an app: the layer above all others (home page, `load_demo`)."""

    name = "consult"
    verbose_name = "Consult"

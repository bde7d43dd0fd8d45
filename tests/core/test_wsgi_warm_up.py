"""The WSGI application imports what the first requests would (`consult.wsgi._warm_up`)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wsgi_module_imports_the_urlconf_and_the_search_backend():
    probe = (
        "import sys; import consult.wsgi; "
        "print(sorted(name for name in ('consult.urls', 'consultations.views.comments', "
        "'search.backend', 'consultations.search_indexes') if name in sys.modules))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "consult.settings", "DEBUG": "1"}
    found = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.splitlines()[-1] == (
        "['consult.urls', 'consultations.search_indexes', 'consultations.views.comments', "
        "'search.backend']"
    )

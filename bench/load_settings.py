"""Settings of ``bench/load.py``'s gunicorn: production's, and the floor's URL (load_urls).

Used only when ``bench/load.py`` starts gunicorn with ``DJANGO_SETTINGS_MODULE=load_settings``
and ``bench/`` on the Python path; production's settings and URLs never include the floor.
"""

from matching_portal.settings import *  # noqa: F403 - production's settings, all of them

ROOT_URLCONF = "load_urls"

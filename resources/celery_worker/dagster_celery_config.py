"""The Celery settings of an Encore worker, found by `dagster_celery.app` (which imports a module of this name
when one is on the path): start a worker with this folder on ``PYTHONPATH``

    PYTHONPATH=<checkout>:<checkout>/resources/celery_worker \\
        celery -A dagster_celery.app worker --prefetch-multiplier=1 -Q dagster,gpu -n gpu-1@%h

The broker and result backend are read from ``ENCORE_CELERY_BROKER`` / ``ENCORE_CELERY_BACKEND`` when the
worker starts, so their passwords are never written to disk (``dagster-celery worker start`` writes them into
``$DAGSTER_HOME/dagster_celery/config/<uuid>/dagster_celery_config.py``, readable by every local user). The
other settings are the executor's own (``resources.environments.CELERY_SETTINGS``).
"""

import os as _os

from resources.environments import CELERY_SETTINGS as _SETTINGS
from resources.environments import CELERY_VARIABLES as _VARIABLES

broker_url = _os.environ[_VARIABLES[0]]
result_backend = _os.environ[_VARIABLES[1]]
task_acks_late = _SETTINGS["task_acks_late"]
task_reject_on_worker_lost = _SETTINGS["task_reject_on_worker_lost"]
broker_transport_options = _SETTINGS["broker_transport_options"]

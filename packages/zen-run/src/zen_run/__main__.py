"""``python -m zen_run`` runs the ``zen`` command."""

from zen_run._cli import run_main

run_main()

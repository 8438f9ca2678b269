"""The quickstart: run the seed 000 pipeline (``examples/seed000.py``) and read its output back.

Run it with the README's first command. The run uses the default stack (stores under ``.zen/`` at the project
root); everything printed is read back from the stores through the post-execution client, as any later
process would.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # make `examples` importable when run as a script

from examples.seed000 import instance
from zen_run import Client


def main() -> None:
    """Run the quickstart and show what was stored."""
    run = instance.run()
    stored = Client().get_run(run.id)
    print(f"run {stored.id} of pipeline {stored.pipeline_name}: {stored.status}")
    for name, step_run in stored.steps.items():
        outputs = ", ".join(f"{out}={artifact.read()!r}" for out, artifact in step_run.outputs.items())
        print(f"  step {name:<7} {step_run.status:<9} source {step_run.source}  {outputs}")
    value = stored.steps["second"].outputs["output"].read()
    print(f"second.output read back from the store: {value}")


if __name__ == "__main__":
    main()

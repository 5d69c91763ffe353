"""Reports, plots and the deployment manifest of a training run.

The manifest (``manifest.json``) is the single source of truth of a run: the markdown
reports and the PNG plots are drawn from it alone, so they can be redrawn at any time
from the file.
"""

from ._plots import write_plots
from ._reports import write_reports
from ._schema import SCHEMA_VERSION, load_schema, validate_manifest

__all__ = [
    "SCHEMA_VERSION",
    "load_schema",
    "validate_manifest",
    "write_plots",
    "write_reports",
]

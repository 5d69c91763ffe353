"""Reports, plots and the deployment manifest of a training run.

The manifest (``manifest.json``) is the single source of truth of a run: the markdown
reports and the PNG plots are drawn from it alone, so they can be redrawn at any time
from the file.
"""

# the manifest's schema lives in skfix.manifest; reporting keeps its names
from ..manifest import SCHEMA_VERSION, load_schema, validate_manifest
from ._plots import write_plots
from ._reports import write_reports

__all__ = [
    "SCHEMA_VERSION",
    "load_schema",
    "validate_manifest",
    "write_plots",
    "write_reports",
]

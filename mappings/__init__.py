"""CRM field <-> core field mapping files and the pure engine that applies them.

``load_mapping`` reads a user-editable YAML file (``salesforce.yaml`` and ``hubspot.yaml`` ship
here); ``Mapping.apply`` turns CRM records into core values or reasons to quarantine them.
"""

from mappings.engine import Mapping
from mappings.loader import MappingError, load_mapping, shipped
from mappings.records import MappedRecord, RawRecord, Rejected

__all__ = [
    "MappedRecord",
    "Mapping",
    "MappingError",
    "RawRecord",
    "Rejected",
    "load_mapping",
    "shipped",
]

"""The built-in sandbox ERP: deterministic data, fault injection, call counting."""
from app.erp.sandbox.connector import SandboxERP
from app.erp.sandbox.faults import SandboxFaults

__all__ = ["SandboxERP", "SandboxFaults"]

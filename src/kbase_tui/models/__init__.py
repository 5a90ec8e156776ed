"""SQLModel tables.  No business rules here: those live in kbase_tui.services."""

from sqlmodel import SQLModel

from .activity import Draft, FollowUpTask, Interaction, InteractionKind, TaskKind
from .audit import AuditEvent, AuditHead, RateCounter, SecurityAlarm
from .base import EPOCH, utcnow
from .catalog import ClientStandard, FocusTarget, OrderLine, Product, ProductCategory, StandardCategory
from .clients import Category, Company, Contact, Phone, Stage
from .config import CallOutcome, CallScript, Reason, Setting, Target
from .imports import ImportChange, ImportRun
from .merges import CompanyMerge, DuplicatePair
from .playbook import ActivationPlan, SecondPerson
from .sales import ClientOrder, Deal, DealStatus, PipelineStage, Refusal, RefusalDecision
from .users import Role, SignInFailure, User

metadata = SQLModel.metadata

__all__ = [
    "EPOCH",
    "ActivationPlan",
    "AuditEvent",
    "AuditHead",
    "CallOutcome",
    "CallScript",
    "Category",
    "ClientOrder",
    "ClientStandard",
    "Company",
    "CompanyMerge",
    "Contact",
    "Deal",
    "DealStatus",
    "Draft",
    "DuplicatePair",
    "FocusTarget",
    "FollowUpTask",
    "ImportChange",
    "ImportRun",
    "Interaction",
    "InteractionKind",
    "OrderLine",
    "Phone",
    "PipelineStage",
    "Product",
    "ProductCategory",
    "RateCounter",
    "Reason",
    "Refusal",
    "RefusalDecision",
    "Role",
    "SecondPerson",
    "SecurityAlarm",
    "Setting",
    "SignInFailure",
    "Stage",
    "StandardCategory",
    "Target",
    "TaskKind",
    "User",
    "metadata",
    "utcnow",
]

"""Online applications (issue 13): one module per job; the public functions are named here.

One import per line, so that modules added by others merge cleanly.
"""

from mpp_digital.services.applications.drafts import attach_document as attach_document
from mpp_digital.services.applications.drafts import save_draft as save_draft
from mpp_digital.services.applications.drafts import start_draft as start_draft
from mpp_digital.services.applications.drafts import submit_draft as submit_draft
from mpp_digital.services.applications.lifecycle import act as act
from mpp_digital.services.applications.lifecycle import take_action as take_action
from mpp_digital.services.applications.notifications import mark_read as mark_read
from mpp_digital.services.applications.notifications import notifications_of as notifications_of
from mpp_digital.services.applications.notifications import notify as notify
from mpp_digital.services.applications.notifications import unread_count as unread_count
from mpp_digital.services.applications.queries import application_detail as application_detail
from mpp_digital.services.applications.queries import applications_of as applications_of
from mpp_digital.services.applications.requirements import DOC_KINDS as DOC_KINDS
from mpp_digital.services.applications.requirements import RequirementItem as RequirementItem
from mpp_digital.services.applications.requirements import clean_answers as clean_answers
from mpp_digital.services.applications.requirements import missing_documents as missing_documents
from mpp_digital.services.applications.requirements import parse_items as parse_items
from mpp_digital.services.applications.requirements import validate_answers as validate_answers
from mpp_digital.services.applications.tracking import next_tracking_number as next_tracking_number
from mpp_digital.services.applications.workflow import DEFAULT_WORKFLOW as DEFAULT_WORKFLOW
from mpp_digital.services.applications.workflow import Workflow as Workflow
from mpp_digital.services.applications.workflow import load_workflow as load_workflow
from mpp_digital.services.applications.working_days import add_working_days as add_working_days
from mpp_digital.services.applications.working_days import working_days_between as working_days_between
from mpp_digital.services.applications.worklist import WorkFilter as WorkFilter
from mpp_digital.services.applications.worklist import assign as assign
from mpp_digital.services.applications.worklist import claim as claim
from mpp_digital.services.applications.worklist import work_list as work_list

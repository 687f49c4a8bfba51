"""Online applications (issue 13): one module per job; the public functions are named here.

One import per line, so that modules added by others merge cleanly.
"""

from mpp_digital.services.applications.requirements import DOC_KINDS as DOC_KINDS
from mpp_digital.services.applications.requirements import RequirementItem as RequirementItem
from mpp_digital.services.applications.requirements import clean_answers as clean_answers
from mpp_digital.services.applications.requirements import missing_documents as missing_documents
from mpp_digital.services.applications.requirements import parse_items as parse_items
from mpp_digital.services.applications.requirements import validate_answers as validate_answers
from mpp_digital.services.applications.workflow import DEFAULT_WORKFLOW as DEFAULT_WORKFLOW
from mpp_digital.services.applications.workflow import Workflow as Workflow
from mpp_digital.services.applications.workflow import load_workflow as load_workflow
from mpp_digital.services.applications.worklist import WorkFilter as WorkFilter
from mpp_digital.services.applications.worklist import assign as assign
from mpp_digital.services.applications.worklist import claim as claim
from mpp_digital.services.applications.worklist import work_list as work_list

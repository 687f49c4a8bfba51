"""Online applications (issue 13): one module per job.

- ``worklist``: the back office's work list (scope, filters, deadline flags), claim and assign.
"""

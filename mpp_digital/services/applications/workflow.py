"""A service's workflow as data: states, actions, the roles that may take each, deadline shares.

The approach of eGov DIGIT's configurable workflow. ``Service.workflow`` holds the JSON (``{}``
means ``DEFAULT_WORKFLOW``); an application keeps a snapshot of it from submission.
``load_workflow`` checks a spec when it is saved and when it is used: every state reachable from
the initial one, a terminal state reachable from every state, no action out of a terminal state,
deadline shares of the non-terminal states summing to 100.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mpp_digital.errors import NotAllowed, ValidationError
from mpp_digital.i18n import in_language

CITIZEN = "citizen"
OFFICER = "officer"
WORKFLOW_ROLES: tuple[str, ...] = (CITIZEN, OFFICER)
# Principal roles that act as a workflow role (scope is checked by the caller: a site admin acts
# for the agencies of their own site only).
_ACTS_AS: dict[str, str] = {"citizen": CITIZEN, "officer": OFFICER, "site_admin": OFFICER}

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,23}$")  # Application.state / ApplicationEvent.action
LABEL_MAX = 80
TEXT_MAX = 400
STATES_MAX = 20
ACTIONS_MAX = 40

DEFAULT_WORKFLOW: dict = {
    "initial": "diajukan",
    "states": [
        {"key": "diajukan", "label": "Diajukan", "label_en": "Submitted", "share": 20,
         "citizen_text": "Permohonan Anda sudah kami terima dan menunggu diperiksa petugas.",
         "citizen_text_en": "We have received your application; an officer will check it."},
        {"key": "diverifikasi", "label": "Diverifikasi", "label_en": "Verified", "share": 20,
         "citizen_text": "Persyaratan Anda sudah diperiksa dan lengkap.",
         "citizen_text_en": "Your requirements have been checked and are complete."},
        {"key": "diproses", "label": "Diproses", "label_en": "In process", "share": 60,
         "citizen_text": "Dokumen Anda sedang dibuat oleh instansi.",
         "citizen_text_en": "The agency is producing your document."},
        {"key": "perlu_perbaikan", "label": "Perlu perbaikan", "label_en": "Needs correction", "share": 0,
         "waits_on_citizen": True,
         "citizen_text": "Petugas meminta Anda memperbaiki permohonan (lihat catatannya). "
                         "Waktu penyelesaian berhenti sampai Anda mengirim perbaikan.",
         "citizen_text_en": "The officer asks you to correct your application (see the note). "
                            "The clock stops until you send the correction."},
        {"key": "selesai", "label": "Selesai", "label_en": "Finished", "share": 0, "terminal": True,
         "citizen_text": "Selesai. Dokumen Anda dapat diunduh.",
         "citizen_text_en": "Finished. Your document can be downloaded."},
        {"key": "ditolak", "label": "Ditolak", "label_en": "Rejected", "share": 0, "terminal": True,
         "citizen_text": "Permohonan ditolak. Alasannya ada pada catatan petugas.",
         "citizen_text_en": "The application was rejected. The officer's note gives the reason."},
        {"key": "dibatalkan", "label": "Dibatalkan", "label_en": "Cancelled", "share": 0, "terminal": True,
         "citizen_text": "Anda membatalkan permohonan ini.",
         "citizen_text_en": "You cancelled this application."},
    ],
    "actions": [
        {"key": "verifikasi", "from": ["diajukan"], "to": "diverifikasi", "roles": ["officer"],
         "label": "Verifikasi: persyaratan lengkap", "label_en": "Verify: requirements complete"},
        {"key": "proses", "from": ["diverifikasi"], "to": "diproses", "roles": ["officer"],
         "label": "Proses", "label_en": "Process"},
        {"key": "selesaikan", "from": ["diproses"], "to": "selesai", "roles": ["officer"],
         "issues_output": True, "label": "Selesaikan dan terbitkan dokumen",
         "label_en": "Finish and issue the document"},
        {"key": "kembalikan", "from": ["diajukan", "diverifikasi"], "to": "perlu_perbaikan",
         "roles": ["officer"], "note_required": True, "label": "Kembalikan untuk diperbaiki",
         "label_en": "Return for correction"},
        {"key": "perbaiki", "from": ["perlu_perbaikan"], "to": "diajukan", "roles": ["citizen"],
         "label": "Kirim perbaikan", "label_en": "Send the correction"},
        {"key": "tolak", "from": ["diajukan", "diverifikasi", "diproses"], "to": "ditolak",
         "roles": ["officer"], "note_required": True, "cites_requirement": True,
         "label": "Tolak", "label_en": "Reject"},
        {"key": "batalkan", "from": ["diajukan", "perlu_perbaikan"], "to": "dibatalkan",
         "roles": ["citizen"], "label": "Batalkan permohonan", "label_en": "Cancel the application"},
    ],
}


@dataclass(frozen=True)
class State:
    """One state of a workflow."""

    key: str
    label: str
    label_en: str
    share: int  # percent of the jangka waktu this state may take
    terminal: bool
    waits_on_citizen: bool  # the clock pauses here
    citizen_text: str
    citizen_text_en: str

    def label_in(self, lang: str) -> str:
        """The label in ``lang``."""
        return in_language(lang, self.label, self.label_en)

    def citizen_text_in(self, lang: str) -> str:
        """What this state means for the citizen, in ``lang``."""
        return in_language(lang, self.citizen_text, self.citizen_text_en)


@dataclass(frozen=True)
class Action:
    """One action: from some states to one, by some roles."""

    key: str
    sources: tuple[str, ...]  # the spec's "from"
    to: str
    roles: tuple[str, ...]
    label: str
    label_en: str
    note_required: bool
    cites_requirement: bool  # a rejection names the unmet requirement item
    issues_output: bool  # taking it issues the product (services/outputs)

    def label_in(self, lang: str) -> str:
        """The label in ``lang``."""
        return in_language(lang, self.label, self.label_en)


@dataclass(frozen=True)
class Workflow:
    """A checked workflow (build it with ``load_workflow``)."""

    initial: str
    states: Mapping[str, State]
    actions: Mapping[str, Action]
    spec: Mapping  # the JSON it was loaded from (snapshot it on an application)

    def state(self, key: str) -> State:
        """The state ``key``.

        Raises:
            ValidationError: ``wf.unknown_state`` when the workflow has no such state.
        """
        found = self.states.get(key)
        if found is None:
            raise ValidationError("state", "wf.unknown_state", status=key)
        return found

    def actions_for(self, state: str, role: str) -> list[Action]:
        """The actions ``role`` may take from ``state``, in the spec's order ([] for a terminal state)."""
        acting = _ACTS_AS.get(role)
        if acting is None or state not in self.states:
            return []
        return [a for a in self.actions.values() if state in a.sources and acting in a.roles]

    def transition(self, state: str, action: str, role: str) -> str:
        """The state after ``role`` takes ``action`` in ``state``.

        Raises:
            ValidationError: ``wf.unknown_state`` or ``wf.unknown_action``.
            NotAllowed: ``wf.finished`` from a terminal state, ``wf.not_from_state`` when the action
                does not start from ``state``, ``wf.role`` when ``role`` may not take it.
        """
        current = self.state(state)
        step = self.actions.get(action)
        if step is None:
            raise ValidationError("action", "wf.unknown_action", action=action)
        if current.terminal:
            raise NotAllowed("wf.finished", status=state)
        if state not in step.sources:
            raise NotAllowed("wf.not_from_state", action=action, status=state)
        if _ACTS_AS.get(role) not in step.roles:
            raise NotAllowed("wf.role", action=action, role=role)
        return step.to

    def is_open(self, state: str) -> bool:
        """False once ``state`` is terminal."""
        return not self.state(state).terminal


def _fail(field: str, key: str, **params: object) -> ValidationError:
    return ValidationError(field, key, **params)


def _text(raw: Mapping, name: str, field: str, *, maximum: int, required: bool) -> str:
    value = raw.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(field, "wf.label_required" if required else "wf.bad_value", name=name)
    if len(value) > maximum:
        raise _fail(field, "wf.too_long", name=name, maximum=maximum)
    return value.strip()


def _flag(raw: Mapping, name: str, field: str) -> bool:
    value = raw.get(name, False)
    if not isinstance(value, bool):
        raise _fail(field, "wf.bad_value", name=name)
    return value


_STATE_FIELDS = frozenset({"key", "label", "label_en", "share", "terminal", "waits_on_citizen",
                           "citizen_text", "citizen_text_en"})
_ACTION_FIELDS = frozenset({"key", "from", "to", "roles", "note_required", "label", "label_en",
                            "cites_requirement", "issues_output"})


def _checked_key(raw: object, field: str, allowed: frozenset[str]) -> str:
    """The key of a state or action spec, once the spec is an object with known fields only."""
    if not isinstance(raw, Mapping):
        raise _fail(field, "wf.not_object")
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise _fail(field, "wf.bad_key", code=str(key))
    unknown = set(raw) - allowed
    if unknown:
        raise _fail(field, "wf.unknown_field", name=sorted(map(str, unknown))[0])
    return key


def _load_state(raw: Mapping, index: int) -> State:
    field = f"states.{index}"
    key = _checked_key(raw, field, _STATE_FIELDS)
    share = raw.get("share", 0)
    if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100:
        raise _fail(field, "wf.bad_share", status=key)
    terminal = _flag(raw, "terminal", field)
    waits = _flag(raw, "waits_on_citizen", field)
    if terminal and (share or waits):
        raise _fail(field, "wf.terminal_share", status=key)
    return State(
        key=key,
        label=_text(raw, "label", field, maximum=LABEL_MAX, required=True),
        label_en=_text(raw, "label_en", field, maximum=LABEL_MAX, required=False),
        share=share,
        terminal=terminal,
        waits_on_citizen=waits,
        citizen_text=_text(raw, "citizen_text", field, maximum=TEXT_MAX, required=False),
        citizen_text_en=_text(raw, "citizen_text_en", field, maximum=TEXT_MAX, required=False),
    )


def _load_action(raw: Mapping, index: int, states: Mapping[str, State]) -> Action:
    field = f"actions.{index}"
    key = _checked_key(raw, field, _ACTION_FIELDS)
    sources = raw.get("from")
    if not isinstance(sources, list | tuple) or not sources or not all(isinstance(s, str) for s in sources):
        raise _fail(field, "wf.action_from", action=key)
    for source in sources:
        if source not in states:
            raise _fail(field, "wf.action_unknown_state", action=key, status=source)
        if states[source].terminal:
            raise _fail(field, "wf.action_from_terminal", action=key, status=source)
    to = raw.get("to")
    if not isinstance(to, str) or to not in states:
        raise _fail(field, "wf.action_unknown_state", action=key, status=str(to))
    roles = raw.get("roles")
    if (not isinstance(roles, list | tuple) or not roles
            or any(r not in WORKFLOW_ROLES for r in roles) or len(set(roles)) != len(roles)):
        raise _fail(field, "wf.action_roles", action=key, roles=", ".join(WORKFLOW_ROLES))
    issues_output = _flag(raw, "issues_output", field)
    if issues_output and not states[to].terminal:
        raise _fail(field, "wf.output_not_terminal", action=key)
    return Action(
        key=key,
        sources=tuple(dict.fromkeys(sources)),
        to=to,
        roles=tuple(roles),
        label=_text(raw, "label", field, maximum=LABEL_MAX, required=True),
        label_en=_text(raw, "label_en", field, maximum=LABEL_MAX, required=False),
        note_required=_flag(raw, "note_required", field),
        cites_requirement=_flag(raw, "cites_requirement", field),
        issues_output=issues_output,
    )


def _reachable(start: str, edges: Mapping[str, set[str]]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def load_workflow(spec: Mapping | None) -> Workflow:
    """Check a workflow spec and build it (``{}`` or None gives ``DEFAULT_WORKFLOW``).

    Raises:
        ValidationError: field ``workflow`` / ``states.<i>`` / ``actions.<i>`` with a ``wf.*`` key:
            a malformed state or action, a duplicate key, an action naming an unknown state or
            leaving a terminal one, an unknown role, deadline shares of the non-terminal states not
            summing to 100, the initial state unknown or terminal, a state that cannot be reached,
            a state from which no terminal state can be reached.
    """
    if not spec:
        spec = DEFAULT_WORKFLOW
    if not isinstance(spec, Mapping):
        raise _fail("workflow", "wf.not_object")
    unknown = set(spec) - {"initial", "states", "actions"}
    if unknown:
        raise _fail("workflow", "wf.unknown_field", name=sorted(map(str, unknown))[0])
    raw_states, raw_actions = spec.get("states"), spec.get("actions")
    if not isinstance(raw_states, list | tuple) or not raw_states or len(raw_states) > STATES_MAX:
        raise _fail("workflow", "wf.states_list", maximum=STATES_MAX)
    if not isinstance(raw_actions, list | tuple) or not raw_actions or len(raw_actions) > ACTIONS_MAX:
        raise _fail("workflow", "wf.actions_list", maximum=ACTIONS_MAX)
    states: dict[str, State] = {}
    for index, raw in enumerate(raw_states):
        state = _load_state(raw, index)
        if state.key in states:
            raise _fail(f"states.{index}", "wf.duplicate_state", status=state.key)
        states[state.key] = state
    actions: dict[str, Action] = {}
    for index, raw in enumerate(raw_actions):
        action = _load_action(raw, index, states)
        if action.key in actions:
            raise _fail(f"actions.{index}", "wf.duplicate_action", action=action.key)
        actions[action.key] = action
    initial = spec.get("initial")
    if not isinstance(initial, str) or initial not in states:
        raise _fail("workflow", "wf.initial_unknown", status=str(initial))
    if states[initial].terminal:
        raise _fail("workflow", "wf.initial_terminal", status=initial)
    if not any(s.terminal for s in states.values()):
        raise _fail("workflow", "wf.no_terminal")
    total = sum(s.share for s in states.values() if not s.terminal)
    if total != 100:
        raise _fail("workflow", "wf.shares_sum", total=total)
    forward: dict[str, set[str]] = {key: set() for key in states}
    backward: dict[str, set[str]] = {key: set() for key in states}
    for action in actions.values():
        for source in action.sources:
            forward[source].add(action.to)
            backward[action.to].add(source)
    reached = _reachable(initial, forward)
    for key in states:  # spec order, so the message names the first offender
        if key not in reached:
            raise _fail("workflow", "wf.unreachable", status=key)
    can_finish: set[str] = set()
    for key, state in states.items():
        if state.terminal:
            can_finish |= _reachable(key, backward)
    for key in states:
        if key not in can_finish:
            raise _fail("workflow", "wf.dead_end", status=key)
    return Workflow(
        initial=initial,
        states=MappingProxyType(states),
        actions=MappingProxyType(actions),
        spec=MappingProxyType(dict(spec)),
    )

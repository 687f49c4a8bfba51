"""Workflow as data: the default workflow's paths, role refusals, and every check of load_workflow."""

from __future__ import annotations

import copy

import pytest

from mpp_digital.errors import NotAllowed, ValidationError
from mpp_digital.services.applications import workflow as workflow_module
from mpp_digital.services.applications.workflow import DEFAULT_WORKFLOW, load_workflow
from tests.unit.message_keys import assert_keys_translated


def _spec():
    return copy.deepcopy(DEFAULT_WORKFLOW)


def _refused(spec) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        load_workflow(spec)
    return exc.value


# --------------------------------------------------------------------------- the default


def test_empty_spec_is_the_default():
    assert load_workflow({}).spec == load_workflow(DEFAULT_WORKFLOW).spec
    assert load_workflow(None).initial == "diajukan"


def test_default_happy_path():
    wf = load_workflow({})
    state = wf.initial
    for action in ("verifikasi", "proses", "selesaikan"):
        state = wf.transition(state, action, "officer")
    assert state == "selesai" and wf.states[state].terminal and not wf.is_open(state)
    assert wf.actions["selesaikan"].issues_output


def test_default_correction_loop_pauses_the_clock():
    wf = load_workflow({})
    state = wf.transition("diajukan", "kembalikan", "officer")
    assert state == "perlu_perbaikan" and wf.states[state].waits_on_citizen
    assert wf.actions["kembalikan"].note_required
    assert wf.transition(state, "perbaiki", "citizen") == "diajukan"


def test_default_rejection_needs_a_note_citing_a_requirement():
    wf = load_workflow({})
    action = wf.actions["tolak"]
    assert action.note_required and action.cites_requirement
    assert wf.transition("diproses", "tolak", "officer") == "ditolak"


def test_default_shares_cover_the_deadline():
    wf = load_workflow({})
    assert sum(s.share for s in wf.states.values() if not s.terminal) == 100
    assert {k for k, s in wf.states.items() if s.terminal} == {"selesai", "ditolak", "dibatalkan"}


def test_actions_for_each_role():
    wf = load_workflow({})
    assert [a.key for a in wf.actions_for("diajukan", "officer")] == ["verifikasi", "kembalikan", "tolak"]
    assert [a.key for a in wf.actions_for("diajukan", "citizen")] == ["batalkan"]
    assert [a.key for a in wf.actions_for("perlu_perbaikan", "citizen")] == ["perbaiki", "batalkan"]
    assert wf.actions_for("perlu_perbaikan", "officer") == []
    assert wf.actions_for("selesai", "officer") == [] and wf.actions_for("selesai", "citizen") == []


def test_site_admin_acts_as_officer_and_other_roles_as_nobody():
    wf = load_workflow({})
    assert wf.actions_for("diajukan", "site_admin") == wf.actions_for("diajukan", "officer")
    assert wf.transition("diajukan", "verifikasi", "site_admin") == "diverifikasi"
    for role in ("superadmin", "ministry", "regional_head", "", "admin"):
        assert wf.actions_for("diajukan", role) == []
        with pytest.raises(NotAllowed) as exc:
            wf.transition("diajukan", "verifikasi", role)
        assert exc.value.key == "wf.role"


@pytest.mark.parametrize(
    ("state", "action", "role", "error", "key"),
    [
        ("diajukan", "verifikasi", "citizen", NotAllowed, "wf.role"),  # a citizen verifying their own
        ("diproses", "selesaikan", "citizen", NotAllowed, "wf.role"),
        ("perlu_perbaikan", "perbaiki", "officer", NotAllowed, "wf.role"),  # an officer fixing for the citizen
        ("diajukan", "batalkan", "officer", NotAllowed, "wf.role"),
        ("diajukan", "selesaikan", "officer", NotAllowed, "wf.not_from_state"),  # skipping steps
        ("diproses", "batalkan", "citizen", NotAllowed, "wf.not_from_state"),
        ("selesai", "tolak", "officer", NotAllowed, "wf.finished"),  # acting on a finished application
        ("ditolak", "perbaiki", "citizen", NotAllowed, "wf.finished"),
        ("dibatalkan", "verifikasi", "officer", NotAllowed, "wf.finished"),
        ("diajukan", "hapus", "officer", ValidationError, "wf.unknown_action"),
        ("arsip", "verifikasi", "officer", ValidationError, "wf.unknown_state"),
    ],
)
def test_transition_refusals(state, action, role, error, key):
    with pytest.raises(error) as exc:
        load_workflow({}).transition(state, action, role)
    assert exc.value.key == key


def test_state_lookup_and_labels():
    wf = load_workflow({})
    assert wf.state("selesai").label_in("en") == "Finished"
    assert "clock stops" in wf.state("perlu_perbaikan").citizen_text_in("en")
    assert wf.actions["tolak"].label_in("id") == "Tolak"
    with pytest.raises(ValidationError):
        wf.state("nope")


def test_workflow_is_immutable():
    wf = load_workflow({})
    with pytest.raises(TypeError):
        wf.states["x"] = wf.states["selesai"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        wf.initial = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- a custom workflow

SIMPLE = {
    "initial": "masuk",
    "states": [
        {"key": "masuk", "label": "Masuk", "share": 100},
        {"key": "terbit", "label": "Terbit", "terminal": True},
    ],
    "actions": [
        {"key": "terbitkan", "from": ["masuk"], "to": "terbit", "roles": ["officer"], "label": "Terbitkan",
         "issues_output": True},
    ],
}


def test_a_minimal_custom_workflow_loads():
    wf = load_workflow(SIMPLE)
    assert wf.transition("masuk", "terbitkan", "officer") == "terbit"
    assert wf.states["masuk"].share == 100 and wf.states["terbit"].label_en == ""


# --------------------------------------------------------------------------- graph checks


def test_unreachable_state_is_refused():
    spec = _spec()
    spec["states"].insert(3, {"key": "arsip", "label": "Arsip", "share": 0})
    spec["actions"].append({"key": "arsipkan", "from": ["arsip"], "to": "selesai", "roles": ["officer"],
                            "label": "Arsipkan"})
    error = _refused(spec)
    assert error.key == "wf.unreachable" and error.params == {"status": "arsip"}


def test_unreachable_terminal_state_is_refused():
    spec = _spec()
    spec["actions"] = [a for a in spec["actions"] if a["key"] != "batalkan"]
    error = _refused(spec)
    assert error.key == "wf.unreachable" and error.params == {"status": "dibatalkan"}


def test_dead_end_with_no_terminal_reachable_is_refused():
    spec = _spec()
    # "ditunda" can be entered and left only towards itself: no final state from there.
    spec["states"].insert(3, {"key": "ditunda", "label": "Ditunda", "share": 0})
    spec["actions"].append({"key": "tunda", "from": ["diproses"], "to": "ditunda", "roles": ["officer"],
                            "label": "Tunda"})
    spec["actions"].append({"key": "ingatkan", "from": ["ditunda"], "to": "ditunda", "roles": ["officer"],
                            "label": "Ingatkan"})
    error = _refused(spec)
    assert error.key == "wf.dead_end" and error.params == {"status": "ditunda"}


def test_cycle_without_exit_is_a_dead_end_for_every_state_in_it():
    spec = {
        "initial": "a",
        "states": [
            {"key": "a", "label": "A", "share": 50},
            {"key": "b", "label": "B", "share": 50},
            {"key": "z", "label": "Z", "terminal": True},
        ],
        "actions": [
            {"key": "ab", "from": ["a"], "to": "b", "roles": ["officer"], "label": "ab"},
            {"key": "ba", "from": ["b"], "to": "a", "roles": ["citizen"], "label": "ba"},
        ],
    }
    error = _refused(spec)
    assert error.key == "wf.unreachable" and error.params == {"status": "z"}
    spec["actions"].append({"key": "az", "from": ["a"], "to": "z", "roles": ["officer"], "label": "az"})
    load_workflow(spec)  # with an exit from the cycle it is fine


@pytest.mark.parametrize(
    ("change", "key", "params"),
    [
        (lambda s: s["states"][0].update(share=30), "wf.shares_sum", {"total": 110}),
        (lambda s: s["states"][2].update(share=10), "wf.shares_sum", {"total": 50}),
        (lambda s: s["states"][0].update(share=101), "wf.bad_share", {"status": "diajukan"}),
        (lambda s: s["states"][0].update(share=-5), "wf.bad_share", {"status": "diajukan"}),
        (lambda s: s["states"][0].update(share="20"), "wf.bad_share", {"status": "diajukan"}),
        (lambda s: s["states"][0].update(share=True), "wf.bad_share", {"status": "diajukan"}),
        (lambda s: s["states"][4].update(share=10), "wf.terminal_share", {"status": "selesai"}),
        (lambda s: s["states"][4].update(waits_on_citizen=True), "wf.terminal_share", {"status": "selesai"}),
        (lambda s: s["actions"][0].update(to="arsip"), "wf.action_unknown_state",
         {"action": "verifikasi", "status": "arsip"}),
        (lambda s: s["actions"][0].update({"from": ["baru"]}), "wf.action_unknown_state",
         {"action": "verifikasi", "status": "baru"}),
        (lambda s: s["actions"][0].update({"from": []}), "wf.action_from", {"action": "verifikasi"}),
        (lambda s: s["actions"][0].update({"from": "diajukan"}), "wf.action_from", {"action": "verifikasi"}),
        (lambda s: s["actions"][1].update({"from": ["selesai"]}), "wf.action_from_terminal",
         {"action": "proses", "status": "selesai"}),
        (lambda s: s["actions"][0].update(roles=["superadmin"]), "wf.action_roles", None),
        (lambda s: s["actions"][0].update(roles=[]), "wf.action_roles", None),
        (lambda s: s["actions"][0].update(roles=["officer", "officer"]), "wf.action_roles", None),
        (lambda s: s["actions"][0].update(issues_output=True), "wf.output_not_terminal", {"action": "verifikasi"}),
        (lambda s: s["actions"][0].update(note_required="ya"), "wf.bad_value", {"name": "note_required"}),
        (lambda s: s["actions"][0].update(label=""), "wf.label_required", {"name": "label"}),
        (lambda s: s["actions"][0].update(label="x" * 81), "wf.too_long", {"name": "label", "maximum": 80}),
        (lambda s: s["states"][0].update(label=None), "wf.label_required", {"name": "label"}),
        (lambda s: s["states"][0].update(colour="red"), "wf.unknown_field", {"name": "colour"}),
        (lambda s: s["actions"][0].update(when="now"), "wf.unknown_field", {"name": "when"}),
        (lambda s: s.update(extra=1), "wf.unknown_field", {"name": "extra"}),
        (lambda s: s["states"][0].update(key="Diajukan"), "wf.bad_key", {"code": "Diajukan"}),
        (lambda s: s["states"][0].update(key="x" * 25), "wf.bad_key", {"code": "x" * 25}),
        (lambda s: s["actions"][0].update(key="verifikasi dokumen"), "wf.bad_key", {"code": "verifikasi dokumen"}),
        (lambda s: s["states"].append(dict(s["states"][4])), "wf.duplicate_state", {"status": "selesai"}),
        (lambda s: s["actions"].append(dict(s["actions"][0])), "wf.duplicate_action", {"action": "verifikasi"}),
        (lambda s: s.update(initial="baru"), "wf.initial_unknown", {"status": "baru"}),
        (lambda s: s.update(initial="selesai"), "wf.initial_terminal", {"status": "selesai"}),
        (lambda s: s.update(states=[]), "wf.states_list", {"maximum": 20}),
        (lambda s: s.update(actions=[]), "wf.actions_list", {"maximum": 40}),
        (lambda s: s.update(states="diajukan"), "wf.states_list", {"maximum": 20}),
        (lambda s: s["states"].__setitem__(0, "diajukan"), "wf.not_object", {}),
        (lambda s: s["actions"].__setitem__(0, ["verifikasi"]), "wf.not_object", {}),
    ],
)
def test_spec_refusals(change, key, params):
    spec = _spec()
    change(spec)
    error = _refused(spec)
    assert error.key == key
    if params is not None:
        assert error.params == params


def test_no_terminal_state_is_refused():
    spec = {
        "initial": "a",
        "states": [{"key": "a", "label": "A", "share": 100}],
        "actions": [{"key": "aa", "from": ["a"], "to": "a", "roles": ["officer"], "label": "aa"}],
    }
    assert _refused(spec).key == "wf.no_terminal"


def test_spec_that_is_not_an_object_is_refused():
    assert _refused(["diajukan"]).key == "wf.not_object"


def test_every_message_key_exists_in_both_languages_with_the_same_placeholders():
    keys = assert_keys_translated(workflow_module, "wf")
    assert {"wf.unreachable", "wf.dead_end", "wf.shares_sum", "wf.role", "wf.finished"} <= keys


def test_message_params_fill_every_placeholder():
    spec = _spec()
    spec["states"][0]["share"] = 30
    error = _refused(spec)
    from mpp_digital.i18n import t

    assert "110" in t(error.key, "en", **error.params)

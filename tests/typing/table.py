"""The per-checker table of docs/typing.md, counted from the expected outputs recorded in ``cases.test``.

Each mistake case belongs to one kind (a row). A checker catches a case when it reports an error for it (pyright's
unused-name and unknown-type notices do not count: they are about the case's text, or follow from another
error); the
runtime catches it when importing the module raises a zen error. ``python -m tests.typing.table`` rewrites the
table in docs/typing.md; ``test_plugin_cases.py`` fails when the page and the cases disagree.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tests.typing.harness import ROOT, Case, load_cases

DOC = ROOT / "docs" / "typing.md"
BEGIN = "<!-- counts: written by `python -m tests.typing.table` from tests/typing/cases.test; do not edit -->"
END = "<!-- end of counts -->"
CORRECT_PREFIXES = ("positive_", "seed_", "reveal_")

KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "step whose inputs do not fit the slot (type, `TypedDict` keys, count, keyword-only slots)",
        (
            "binding_interface_mismatch_input",
            "binding_wrong_number_of_inputs",
            "binding_keyword_only_slot_mismatch",
            "binding_typed_dict_that_lacks_a_key",
        ),
    ),
    ("a class whose methods do not fit a `Protocol` input", ("binding_model_does_not_fit_a_protocol_input",)),
    (
        "step whose output does not fit the slot (return or `Output[T]`)",
        (
            "binding_interface_mismatch_output",
            "binding_output_parameter_type_mismatch",
            "binding_pipeline_name_option_names_the_pipeline",
        ),
    ),
    (
        "a union of steps (`a() if flag else b()`, a sweep) where one does not fit",
        ("binding_conditional_step_instance_each_checked", "binding_model_sweep_each_checked"),
    ),
    (
        "config of the wrong class, config for a step without one, `materializers=` for a name it lacks",
        (
            "binding_wrong_config_class",
            "binding_wrong_config_class_with_options",
            "binding_instance_materializer_for_a_name_the_step_lacks",
        ),
    ),
    (
        "unknown or missing slot, step object instead of an instance",
        ("binding_unknown_and_missing_slots", "binding_step_object_instead_of_instance"),
    ),
    (
        "in a body: handle of the wrong type (or view), raw value, slot instead of its output, missing or extra input",
        (
            "wiring_mismatched_types",
            "wiring_optional_into_required",
            "wiring_invariant_list",
            "view_type_must_fit_the_input",
            "wiring_raw_value_instead_of_handle",
            "wiring_no_output_used",
            "wiring_slot_passed_instead_of_its_output",
            "wiring_missing_input",
            "wiring_too_many_inputs",
        ),
    ),
    (
        "handle used as data (`h + 1`, `h * 2` passed on, `-h`)",
        (
            "wiring_handle_used_as_data",
            "wiring_operator_on_a_handle_reported_once",
            "wiring_operator_on_a_handle_in_a_call_reported_once",
        ),
    ),
    ("handle used as a bool (`if h:`)", ("wiring_handle_used_as_bool",)),
    (
        "calling a step instance (`dedupe()(h)`)",
        ("wiring_step_instance_called_in_body", "wiring_step_instance_call_checked", "wiring_unknown_keyword"),
    ),
    (
        "named output that does not exist, or of the wrong type (`outputs.tset`)",
        ("wiring_unknown_named_output", "wiring_named_output_field_type_checked"),
    ),
    (
        "step whose named outputs lack one the slot names, have the wrong type, or meet a one-output slot",
        (
            "binding_named_outputs_compared_by_name",
            "binding_named_output_of_the_wrong_type",
            "binding_named_outputs_to_single_output_slot",
        ),
    ),
    (
        "invalid step definition (no annotations, `*args`, nested `Input`, async, method, two configs, "
        "`materializers=` for a name the step lacks...)",
        (
            "definition_missing_parameter_annotation",
            "definition_missing_return_annotation",
            "definition_star_args",
            "definition_star_kwargs",
            "definition_output_with_default",
            "definition_two_configs",
            "definition_base_config_itself",
            "definition_marker_nested_in_list",
            "definition_optional_output",
            "definition_marker_inside_marker",
            "definition_handle_annotation",
            "definition_marker_in_return",
            "definition_method",
            "definition_async_and_generator",
            "definition_several_errors_reported_once_each",
            "definition_invalid_step_does_not_cascade",
            "definition_with_name_option_still_checked",
            "definition_materializer_for_a_name_the_step_lacks",
            "robustness_unusual_inputs_do_not_crash",
        ),
    ),
    (
        "`step(len)`, `step(SomeClass)`, `@step @step`, `step(functools.partial(...))`",
        ("definition_builtin_and_class_as_step", "definition_step_applied_twice", "definition_partial_as_step"),
    ),
    ("generic step (`def f(x: T) -> T`)", ("definition_generic_step",)),
    (
        "slot called twice (in a row, in a loop), slot never called (not named in the body, behind a flag)",
        (
            "wiring_slot_called_twice_in_a_row",
            "wiring_slot_called_in_a_loop",
            "wiring_slot_never_mentioned_in_the_body",
            "limit_slot_never_called",
        ),
    ),
    ("required config left out", ("limit_required_config_left_out_at_bind",)),
    ("a step that does not fit an unannotated slot", ("binding_unannotated_slot_accepts_any_step",)),
)

_NOT_ABOUT_THE_MISTAKE = (
    "[reportUnusedImport]",
    "[reportUnusedVariable]",
    "[reportUnusedClass]",
    "[reportUnusedFunction]",
    "[reportUnknownArgumentType]",  # a consequence (of an unannotated slot, say), never the mistake itself
    "[reportUnknownVariableType]",
)


def is_correct(case: Case) -> bool:
    """A correct module: no checker may report an error for it."""
    return case.name.startswith(CORRECT_PREFIXES)


def caught(lines: Sequence[str]) -> bool:
    """The checker reported an error for the case."""
    return any(": error:" in line and not any(rule in line for rule in _NOT_ABOUT_THE_MISTAKE) for line in lines)


def refused(case: Case) -> bool:
    """Importing the module raised a zen error."""
    return bool(case.runtime) and not case.runtime[0].startswith("not a zen error")


def _when(cases: Sequence[Case]) -> str:
    """When the runtime refuses these cases: a definition when it is imported, anything else when bound."""
    classes = {case.runtime[0].split(":", 1)[0] for case in cases if refused(case)}
    moments = ["at import"] if "StepDefinitionError" in classes else []
    return " / ".join(moments + (["at bind"] if classes - {"StepDefinitionError"} else []))


def _cell(count: int, total: int) -> str:
    return f"{count}/{total}"


def render(cases: Sequence[Case]) -> str:
    """The table and its totals, as markdown."""
    by_name = {case.name: case for case in cases}
    rows = [
        "| mistake | cases | mypy + plugin | mypy alone | pyright | runtime |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    totals = [0, 0, 0, 0, 0]
    for label, names in KINDS:
        group = [by_name[name] for name in names]
        counts = [
            len(group),
            sum(caught(c.expected) for c in group),
            sum(caught(c.plain) for c in group),
            sum(caught(c.pyright) for c in group),
            sum(refused(c) for c in group),
        ]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        when = _when(group)
        runtime = _cell(counts[4], counts[0]) + (f" {when}" if when else "")
        cells = [_cell(n, counts[0]) for n in counts[1:4]]
        rows.append(f"| {label} | {counts[0]} | {' | '.join(cells)} | {runtime} |")
    total = totals[0]
    rows.append(f"| **all mistakes** | {total} | {' | '.join(_cell(n, total) for n in totals[1:])} |")
    correct = [case for case in cases if is_correct(case)]
    flagged = sum(caught(c.expected) or caught(c.plain) or caught(c.pyright) or refused(c) for c in correct)
    return (
        f"Counted from the typing suite (`tests/typing/cases.test`: {len(cases)} modules, {len(correct)} correct "
        f"and {total} with one kind of mistake each; each case records the exact output of mypy with the plugin, "
        f"mypy alone, pyright (strict) and the runtime). A checker catches a case when it reports an error for it; "
        f"the runtime when importing the module refuses it with a zen error.\n\n"
        + "\n".join(rows)
        + f"\n\nErrors reported on the {len(correct)} correct modules, by any checker or the runtime: {flagged}."
    )


def updated_page(text: str, cases: Sequence[Case]) -> str:
    """``text`` (docs/typing.md) with the block between the markers rewritten."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    if not rest:
        raise ValueError(f"docs/typing.md has no line {BEGIN!r} to write the table after")
    return f"{head}{BEGIN}\n{render(cases)}\n{END}{tail}"


def classified_problems(cases: Sequence[Case]) -> list[str]:
    """Mistake cases in no kind or in several, and kinds naming no case: each a sentence."""
    problems: list[str] = []
    names = [name for _, group in KINDS for name in group]
    known = {case.name for case in cases}
    for case in cases:
        if not is_correct(case) and names.count(case.name) != 1:
            problems.append(f"case {case.name} is in {names.count(case.name)} kinds of tests/typing/table.py")
    problems.extend(
        f"tests/typing/table.py names {name}, which cases.test lacks" for name in names if name not in known
    )
    return problems


def main(argv: Sequence[str]) -> int:
    """Rewrite the table in docs/typing.md (``--check``: only say whether it is up to date)."""
    cases = load_cases()
    problems = classified_problems(cases)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    text = DOC.read_text(encoding="utf-8")
    new = updated_page(text, cases)
    if list(argv) == ["--check"]:
        if new != text:
            print("docs/typing.md's table is out of date: run python -m tests.typing.table", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Every message a user can be shown from a service is a ``T_`` text, so the page or the API
answer shows it in the reader's language (a zh-CN agent must not read English errors)."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "gridcare"

# Errors whose first argument is the message.
MESSAGE_FIRST = {
    "DomainError", "InvalidInput", "NotFound", "Forbidden", "Unauthenticated", "Conflict", "Locked", "TooManyRequests",
    "TransitionRefused", "TopologyError", "IsolationImpossible", "RuleProblem", "Refused", "TemplateProblem", "GeometryImportError",
    "refuse", "say",
}
# (field, reason) pairs: the reason is what is read.
REASON_SECOND = {"FieldProblem", "DesignError"}
# Import problems: the reason is the keyword ``reason`` or the last argument.
REASON_LAST = {"RowProblem", "ImportProblem", "TopologyProblem", "Problem"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _untranslated(node: ast.expr | None) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.Call):
        return _name(node.func) in {"format", "join", "str"}
    if isinstance(node, ast.IfExp):
        return _untranslated(node.body) or _untranslated(node.orelse)
    return False


def _message(call: ast.Call) -> ast.expr | None:
    name = _name(call.func)
    keywords = {k.arg: k.value for k in call.keywords}
    if isinstance(call.func, ast.Attribute) and call.func.attr == "field" and _name(call.func.value) in MESSAGE_FIRST:
        return call.args[1] if len(call.args) > 1 else keywords.get("reason")
    if name in MESSAGE_FIRST:
        return call.args[0] if call.args else keywords.get("detail")
    if name in REASON_SECOND:
        return call.args[1] if len(call.args) > 1 else keywords.get("reason")
    if name in REASON_LAST:
        return keywords.get("reason", call.args[-1] if call.args else None)
    return None


def untranslated_messages(root: Path = SRC) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _untranslated(_message(node)):
                found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)[:120]}")
    return found


def test_every_message_shown_to_users_is_translatable():
    found = untranslated_messages()
    assert found == [], f"{len(found)} messages are plain strings; wrap them in core.i18n.T_:\n" + "\n".join(found)


def test_the_check_finds_plain_messages(tmp_path):
    (tmp_path / "service.py").write_text(
        'raise NotFound(f"plan_id: no plan {plan_id}")\n'
        'raise InvalidInput.field("kind", "must be one of a, b")\n'
        'problems.append(FieldProblem("name", "is required"))\n'
        'raise Conflict(T_("change %(id)s is closed", id=1))\n'
        'raise InvalidInput.field("kind", T_("must be one of %(kinds)s", kinds="a, b"))\n'
    )
    assert [line.split(":")[1] for line in untranslated_messages(tmp_path)] == ["1", "2", "3"]

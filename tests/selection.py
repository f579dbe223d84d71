"""What the test session selected, for module fixtures that run all their tests' work at once (two kernels at a
time) and let each test judge its own part."""
from __future__ import annotations


def selected_params(request, module) -> list[dict]:
    """The parameters of every selected test of `module` in this session. nbval's notebook cells are session
    items too, without a module; a test without parameters gives {}."""
    return [getattr(getattr(item, "callspec", None), "params", {}) for item in request.session.items
            if getattr(item, "module", None) is module]


def heavy_rank(notebook: str, heavy_first: tuple[str, ...]) -> int:
    """Sort key: the position of the lesson's number in `heavy_first` (its longest lessons), the others after
    them, so that the longest runs start first and two kernels finish together."""
    prefix = notebook[:2]
    return heavy_first.index(prefix) if prefix in heavy_first else len(heavy_first)

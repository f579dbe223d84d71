"""Live figures for presenting: controls that redraw a matplotlib figure, on ipywidgets 7.7 and 8 alike.

Made for a live class: the controls wrap onto several rows instead of squeezing, a status line says
"computing…" while a figure is being drawn (and how long the last one took), and changes that arrive
while a figure is being drawn are coalesced into one redraw with the latest values, so dragging a slider
never stacks up redraws.
"""
from __future__ import annotations

import asyncio
import contextlib
import io
import os
import time
import traceback
from typing import Any, Callable

import matplotlib.pyplot as plt

# Set to "1" for unattended runs (the test suite sets it): nobody moves a slider there, so `live` only draws
# the default figure and builds no widgets.
HEADLESS_ENV = "CNNVIZ_HEADLESS"
COALESCE_SECONDS = 0.05  # how long a change waits for others to arrive before the redraw starts
BUSY, IDLE = "⏳ computing…", "drawn in {:.2f} s"


@contextlib.contextmanager
def _figures_kept() -> Any:
    """Inside the block `plt.show()` does nothing, so a draw function's figures stay open to be captured."""
    show = plt.show
    plt.show = lambda *args, **kwargs: None
    try:
        yield
    finally:
        plt.show = show


def _render(draw: Callable[..., Any], values: dict) -> tuple[list[bytes], str, str]:
    """Call `draw(**values)`; return the figures it made as PNG bytes (and close them), what it printed,
    and the traceback if it failed."""
    printed, error = io.StringIO(), ""
    before = set(plt.get_fignums())
    plt.figure()  # a fresh current figure: `plt.plot` in `draw` must not draw into a figure left open elsewhere
    with contextlib.redirect_stdout(printed), _figures_kept():
        try:
            draw(**values)
        except Exception:  # shown in the widget's output, so a presenter sees what went wrong
            error = traceback.format_exc()
    images = []
    for number in [n for n in plt.get_fignums() if n not in before]:
        figure = plt.figure(number)
        if not figure.axes:  # the fresh figure, when `draw` made its own
            plt.close(figure)
            continue
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        images.append(buffer.getvalue())
        plt.close(figure)
    return images, printed.getvalue(), error


def live(draw: Callable[..., Any], **controls: Any):
    """Show `controls` (ipywidgets) above the figure that `draw(**values)` makes; redraw on every change.

    The figure is drawn once with the controls' default values, so the cell shows something useful
    before anyone touches a control. Returns the widget box (CSS class `cnnviz-live`): end the cell with
    this call to show it. With $CNNVIZ_HEADLESS=1 (tests) it draws the default figure without widgets
    and returns None.
    """
    if os.environ.get(HEADLESS_ENV) == "1":
        draw(**{name: control.value for name, control in controls.items()})
        plt.show()
        return None
    import ipywidgets as widgets
    from IPython.display import Image

    for control in controls.values():
        if hasattr(control, "continuous_update"):
            control.continuous_update = False  # redraw when a slider is released, not on every pixel
        if hasattr(control, "style") and hasattr(control.style, "description_width"):
            control.style.description_width = "initial"  # labels at full length, never cut off
        control.layout.min_width = control.layout.min_width or "260px"
    status = widgets.HTML(value="")
    output = widgets.Output()
    state = {"scheduled": False}

    def redraw() -> None:
        state["scheduled"] = False
        status.value = BUSY
        start = time.perf_counter()
        images, printed, error = _render(draw, {name: control.value for name, control in controls.items()})
        output.outputs = ()
        for png in images:
            output.append_display_data(Image(data=png, format="png"))
        if printed:
            output.append_stdout(printed)
        if error:
            output.append_stderr(error)
        status.value = "⚠ the drawing failed (see below)" if error else IDLE.format(time.perf_counter() - start)

    def on_change(change: Any = None) -> None:
        try:
            loop = asyncio.get_running_loop()  # in a kernel: let queued changes arrive, then draw once
        except RuntimeError:
            redraw()  # no event loop (plain Python, tests): draw now
            return
        if not state["scheduled"]:
            state["scheduled"] = True
            status.value = BUSY
            loop.call_later(COALESCE_SECONDS, redraw)

    for control in controls.values():
        control.observe(on_change, names="value")
    row = widgets.Box([*controls.values(), status],
                      layout=widgets.Layout(display="flex", flex_flow="row wrap", align_items="center"))
    box = widgets.VBox([row, output])
    box.add_class("cnnviz-live")
    redraw()
    return box

"""Live figures for presenting: controls that redraw a matplotlib figure, on ipywidgets 7.7 and 8 alike."""
from __future__ import annotations

import os
from typing import Any, Callable

import matplotlib.pyplot as plt

# Set to "1" for unattended runs (the test suite sets it): nobody moves a slider there, and widget comm
# traffic can stall a headless nbclient run (jupyter/nbclient#312), so `live` only draws the default figure.
HEADLESS_ENV = "CNNVIZ_HEADLESS"


def live(draw: Callable[..., Any], **controls: Any):
    """Show `controls` (ipywidgets) above an output area; `draw(**values)` redraws on every change.

    The figure is drawn once with the controls' default values, so the cell shows something useful
    before anyone touches a slider. Returns the widget box: end the cell with this call to show it.
    With $CNNVIZ_HEADLESS=1 (tests) it draws the default figure without widgets and returns None.
    """
    if os.environ.get(HEADLESS_ENV) == "1":
        draw(**{name: control.value for name, control in controls.items()})
        plt.show()
        return None
    import ipywidgets as widgets

    for control in controls.values():
        if hasattr(control, "continuous_update"):
            control.continuous_update = False  # redraw when a slider is released, not on every pixel
    output = widgets.Output()

    def redraw(change: Any = None) -> None:
        output.clear_output(wait=True)
        with output:
            draw(**{name: control.value for name, control in controls.items()})
            plt.show()

    for control in controls.values():
        control.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox(list(controls.values())), output])
    redraw()
    return box

"""Run notebooks top to bottom in fresh kernels and report each one's wall time and peak memory.

`python -m helpers.timing notebooks/*.ipynb [--model shapes] [--fast]`; lessons report their runtime
budget (≤ 60 s with the shapes model, ≤ 120 s with the ImageNet network, ≤ 1.5 GB) with the figures it prints.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat

_PEAK_CELL = """
import json as _json, sys as _sys
try:
    import resource as _resource
    _peak = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss * (1 if _sys.platform == "darwin" else 1024)
except ImportError:
    import psutil as _psutil
    _peak = _psutil.Process().memory_info().peak_wset
print("CNNVIZ_PEAK_BYTES", _peak)
"""


def run_notebook(path: Path, env: dict[str, str] | None = None, timeout: int = 600, gallery: bool = False,
                 keep: bool = False) -> dict:
    """Execute one notebook in a fresh kernel (in its own folder); return wall seconds and peak memory. With
    `gallery`, also write the lesson's gallery picture from this run (helpers.gallery); with `keep`, also return
    the executed notebook under "executed" (tests read its outputs)."""
    old_env = dict(os.environ)
    os.environ.update(env or {})
    try:
        nb, seconds = _execute(path, timeout)
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    text = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    peak = int(text.split("CNNVIZ_PEAK_BYTES", 1)[1].split()[0])
    if gallery:
        from .gallery import save_from_run
        save_from_run(nb, path.name)
    result = {"notebook": path.name, "seconds": round(seconds, 1), "peak_mb": round(peak / 2**20)}
    if keep:
        nb.cells.pop()  # the peak-memory probe
        result["executed"] = nb
    return result


def _execute(path: Path, timeout: int, attempts: int = 3) -> tuple[nbformat.NotebookNode, float]:
    """Run the notebook (with the peak-memory probe appended) in a fresh kernel; return it and its wall seconds.
    A kernel that dies before its first cell is started again: two kernels starting at the same moment can pick
    the same free port (ZMQError: Address already in use)."""
    from nbclient import NotebookClient
    for attempt in range(attempts):
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(_PEAK_CELL))
        client = NotebookClient(nb, timeout=timeout, startup_timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        try:
            client.execute()
        except Exception:
            never_ran = all(cell.get("execution_count") is None for cell in nb.cells if cell.cell_type == "code")
            if not never_ran or attempt == attempts - 1:
                raise
            time.sleep(1 + attempt)
            continue
        return nb, time.perf_counter() - start
    raise AssertionError("unreachable")


def _run_job(job: tuple[Path, dict[str, str]]) -> dict:
    """One notebook of `run_side_by_side`, in its worker process; an error comes back as text."""
    path, env = job
    try:
        return run_notebook(path, env)
    except Exception as error:  # noqa: BLE001 - reported per notebook by the caller
        text = re.sub(r"\x1b\[[0-9;]*m", "", f"{type(error).__name__}: {error}")  # tracebacks come coloured
        return {"notebook": path.name, "error": text[-6000:]}


def run_side_by_side(jobs: list[tuple[Path, dict[str, str]]], workers: int = 2, threads: int = 1) -> list[dict]:
    """Run notebooks `workers` at a time, each kernel with `threads` PyTorch threads; results in the order of
    `jobs` (run_notebook's, or {"notebook", "error"}). On 2 cores, two one-thread kernels finish the 15 lessons
    on SqueezeNet in fast mode in 274 s against 440 s one after another with two threads each: much of a lesson
    (Python, plotting, small tensors) uses one core whatever PyTorch is allowed."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    jobs = [(path, {**env, "OMP_NUM_THREADS": str(threads)}) for path, env in jobs]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_run_job, jobs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--model", help="set CNNVIZ_MODEL for the run (e.g. shapes, efficientnet_lite0)")
    parser.add_argument("--fast", action="store_true", help="set CNNVIZ_FAST=1 (the tests' fast mode)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--gallery", action="store_true", help="also write each lesson's gallery picture from this run")
    args = parser.parse_args(argv)
    env = {}
    if args.model:
        env["CNNVIZ_MODEL"] = args.model
    if args.fast:
        env["CNNVIZ_FAST"] = "1"
    results = []
    print(f"{'notebook':<40} {'wall s':>8} {'peak MB':>8}")
    for path in args.notebooks:
        result = run_notebook(path.resolve(), env, gallery=args.gallery)
        results.append(result)
        print(f"{result['notebook']:<40} {result['seconds']:>8} {result['peak_mb']:>8}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

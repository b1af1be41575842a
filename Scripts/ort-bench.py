#!/usr/bin/env python3
"""Times ONNX Runtime on one model, batch 1, for `vggc bench` (which runs it side by side
with the engine and the predictor and prints the ratios).

    PYTHON Scripts/ort-bench.py MODEL.onnx THREADS RUNS

Prints one JSON line: {"median_ms", "min_ms", "runs", "threads", "version"}. The input is
seeded uniform noise in the graph's input shape (symbolic dimensions become 1). Setup of
the venv: see Scripts/make-onnx-fixtures.py.
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, threads, runs = argv[0], int(argv[1]), int(argv[2])
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    meta = session.get_inputs()[0]
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in meta.shape]
    x = np.random.default_rng(1).random(shape, dtype=np.float32)
    feed = {meta.name: x}
    for _ in range(3):
        session.run(None, feed)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feed)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    median = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
    print(json.dumps({"median_ms": median, "min_ms": times[0], "runs": runs, "threads": threads, "version": ort.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

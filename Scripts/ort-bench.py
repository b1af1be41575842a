#!/usr/bin/env python3
"""Times ONNX Runtime on one model, batch 1, for `vggc bench` (which runs it side by side
with the engine and the predictor and prints the ratios).

    PYTHON Scripts/ort-bench.py MODEL.onnx THREADS RUNS [--int8 CALIBRATION.f32]

Prints one JSON line: {"median_ms", "min_ms", "runs", "threads", "version"}. The input is
seeded uniform noise in the graph's input shape (symbolic dimensions become 1). Setup of
the venv: see Scripts/make-onnx-fixtures.py (needs onnx for --int8).

--int8 times ONNX Runtime's int8 instead: the model quantized statically by
onnxruntime.quantization (QDQ format, per-channel s8 weights, u8 activations, min-max
calibration) on the float32 inputs in CALIBRATION.f32 (whole input tensors, back to back),
the same inputs `vggc bench` calibrates its own int8 predictor on, after ONNX Runtime's
recommended pre-processing (quant_pre_process: shape inference, batch norm folded). The
quantized model is written next to MODEL as MODEL-int8.onnx, and reused while it is newer
than MODEL and CALIBRATION.
"""
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort


def quantize(path, calibration):
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    meta = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).get_inputs()[0]
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in meta.shape]
    data = np.fromfile(calibration, dtype="<f4").reshape([-1] + shape[1:])

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter([{meta.name: data[i:i + 1]} for i in range(data.shape[0])])

        def get_next(self):
            return next(self.items, None)

    stem = path[:-5] if path.endswith(".onnx") else path
    out = stem + "-int8.onnx"
    # Quantized once per model and calibration (vggc bench asks once per thread count).
    if os.path.exists(out) and os.path.getmtime(out) >= max(os.path.getmtime(path), os.path.getmtime(calibration)):
        return out
    # ONNX Runtime's recommended pre-processing first (shape inference, graph optimization:
    # batch norm folded into the convolutions), so its int8 model is its best one.
    prepared = stem + "-prep.onnx"
    quant_pre_process(path, prepared, skip_symbolic_shape=True)  # our graphs have static shapes
    quantize_static(prepared, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    return out


def main(argv):
    if len(argv) not in (3, 5) or (len(argv) == 5 and argv[3] != "--int8"):
        print(__doc__, file=sys.stderr)
        return 2
    path, threads, runs = argv[0], int(argv[1]), int(argv[2])
    if len(argv) == 5:
        path = quantize(path, argv[4])
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

#!/usr/bin/env python3
"""Builds the ONNX test fixtures for VGGONNXTests and checks vggc's ONNX exports.

Setup (once, from the repository root):

    python3 -m venv .build/onnx-venv && .build/onnx-venv/bin/pip install onnx onnxruntime numpy

Usage:

    .build/onnx-venv/bin/python Scripts/make-onnx-fixtures.py [--out DIR]
        Regenerates every fixture in Tests/VGGONNXTests/Fixtures (or DIR) and prints
        one line per file with its size. The models are built with onnx.helper from
        seeded random weights, checked with onnx.checker and run with onnxruntime on
        one CPU thread, so a second run writes byte-identical files (on the same
        machine and onnxruntime version; float kernels may differ across CPUs).

    .build/onnx-venv/bin/python Scripts/make-onnx-fixtures.py roundtrip FILE.onnx PREFIX
        Checks FILE.onnx (for example one written by `vggc export`) with onnx.checker,
        prints its producer and opset, runs it with onnxruntime on the inputs in
        PREFIX.inputs.f32 and compares against PREFIX.outputs.f32 (shapes and case
        count from PREFIX.json). Prints max |diff|, max relative diff and top-1
        agreement; exits 1 if max |diff| > 1e-4 * (1 + max|expected|) or any top-1
        differs or the model cannot be checked or run, 0 otherwise (2 on bad usage).

    .build/onnx-venv/bin/python Scripts/make-onnx-fixtures.py vgg16 OUT.onnx [--external]
        Writes a full-size VGG-16 (torchvision layout, 224x224x3, 1000 logits, seeded
        random weights, ~553 MB) in one file or with its weights in OUT.onnx.weights;
        Scripts/full-size-vgg16 imports, compiles and checks it.

Per runnable model NAME the fixtures are:
    NAME.onnx            the model (external_data also has external_data.weights)
    NAME.inputs.f32      3 inputs, uniform in [0, 1), float32 little-endian, each in
                         the graph input's layout and shape with batch 1
    NAME.outputs.f32     onnxruntime's output for each input, float32 little-endian
    NAME.json            input_name, input_shape, layout, opset, outputs_per_case,
                         cases, output_is, description
The models `unsupported` and `unused_initializer` are not run; their json records
the errors an importer is expected to report.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PRODUCER = "vggc-fixtures"
CASES = 3
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "Tests" / "VGGONNXTests" / "Fixtures"
EXTERNAL_WEIGHTS = "external_data.weights"


# ---------------------------------------------------------------------------
# Weight helpers
# ---------------------------------------------------------------------------

class Weights:
    """Seeded weight factory collecting initializers in creation order."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.initializers = []

    def _add(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def array_conv(self, cout, cin_per_group, kh, kw):
        std = np.sqrt(2.0 / (cin_per_group * kh * kw))
        return (self.rng.standard_normal((cout, cin_per_group, kh, kw)) * std).astype(np.float32)

    def conv(self, name, cout, cin_per_group, kh, kw):
        return self._add(name, self.array_conv(cout, cin_per_group, kh, kw))

    def array_dense(self, shape, fan_in):
        return (self.rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    def dense(self, name, shape, fan_in):
        return self._add(name, self.array_dense(shape, fan_in))

    def array_bias(self, n):
        return (self.rng.standard_normal(n) * 0.1).astype(np.float32)

    def bias(self, name, n):
        return self._add(name, self.array_bias(n))

    def batchnorm(self, prefix, c):
        """Adds scale, bias, mean, var (PyTorch names) and returns their names."""
        scale = self.rng.uniform(0.8, 1.2, c)
        bias = self.rng.standard_normal(c) * 0.2
        mean = self.rng.standard_normal(c) * 0.2
        var = self.rng.uniform(0.5, 1.5, c)
        return [
            self._add(f"{prefix}.weight", scale),
            self._add(f"{prefix}.bias", bias),
            self._add(f"{prefix}.running_mean", mean),
            self._add(f"{prefix}.running_var", var),
        ]

    def raw(self, name, array):
        return self._add(name, array)


def node(op, inputs, outputs, name, **attrs):
    return helper.make_node(op, inputs, outputs, name=name, **attrs)


def value(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def make_model(graph, opset):
    ir_version = 10 if opset > 18 else 8
    model = helper.make_model(
        graph,
        producer_name=PRODUCER,
        opset_imports=[helper.make_opsetid("", opset)],
        ir_version=ir_version,
    )
    onnx.checker.check_model(model, full_check=True)
    return model


# ---------------------------------------------------------------------------
# Models. Each builder returns (model, meta) where meta has the json fields.
# ---------------------------------------------------------------------------

def torch_style():
    w = Weights(1001)
    conv1_w = w.conv("conv1.weight", 8, 3, 3, 3)
    conv1_b = w.bias("conv1.bias", 8)
    bn1 = w.batchnorm("bn1", 8)
    conv2_w = w.conv("conv2.weight", 16, 8, 3, 3)
    conv2_b = w.bias("conv2.bias", 16)
    fc1_w = w.dense("fc1.weight", (10, 1024), 1024)
    fc1_bias = numpy_helper.from_array(w.array_bias(10), "fc1.bias")
    fc2_w = w.dense("fc2.weight", (3, 10), 10)
    fc2_b = w.bias("fc2.bias", 3)

    nodes = [
        node("Conv", ["input", conv1_w, conv1_b], ["conv1_out"], "conv1",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        node("BatchNormalization", ["conv1_out"] + bn1, ["bn1_out"], "bn1", epsilon=1e-5),
        node("Relu", ["bn1_out"], ["relu1_out"], ""),  # deliberately unnamed
        node("MaxPool", ["relu1_out"], ["pool1_out"], "pool1", kernel_shape=[2, 2], strides=[2, 2]),
        node("Identity", [conv2_w], ["conv2_weight_id"], "conv2_weight_identity"),
        node("Conv", ["pool1_out", "conv2_weight_id", conv2_b], ["conv2_out"], "conv2",
             kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
        node("Relu", ["conv2_out"], ["relu2_out"], "relu2"),
        node("AveragePool", ["relu2_out"], ["avgpool_out"], "avgpool",
             kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=0),
        node("Flatten", ["avgpool_out"], ["flatten_out"], "flatten", axis=1),
        node("Constant", [], ["fc1_bias"], "fc1_bias_const", value=fc1_bias),
        node("Gemm", ["flatten_out", fc1_w, "fc1_bias"], ["fc1_out"], "fc1",
             alpha=1.0, beta=1.0, transB=1),
        node("Relu", ["fc1_out"], ["relu3_out"], "relu3"),
        node("Dropout", ["relu3_out"], ["dropout_out"], "dropout"),
        node("Gemm", ["dropout_out", fc2_w, fc2_b], ["logits"], "fc2",
             alpha=1.0, beta=1.0, transB=1),
        node("Softmax", ["logits"], ["output"], "softmax", axis=1),
    ]
    graph = helper.make_graph(nodes, "torch_style",
                              [value("input", ["N", 3, 32, 32])],
                              [value("output", ["N", 3])],
                              initializer=w.initializers)
    return make_model(graph, 13), {
        "input_name": "input", "input_shape": [1, 3, 32, 32], "layout": "nchw",
        "opset": 13, "output_is": "probabilities",
        "description": "PyTorch-style VGG: Conv+BN+Relu, MaxPool, strided SAME_UPPER Conv whose weight "
                       "passes through Identity, AveragePool(count_include_pad=0), Flatten, Gemm (bias from "
                       "a Constant node), Relu, Dropout, Gemm, Softmax. Batch dim symbolic 'N'; node 2 "
                       "(Relu) has no name.",
    }


def keras_graph(name):
    w = Weights(2002)
    conv1_w = w.conv("conv2d/kernel", 4, 1, 3, 3)
    conv1_b = w.bias("conv2d/bias", 4)
    conv2_w = w.conv("conv2d_1/kernel", 8, 4, 3, 3)
    conv2_b = w.bias("conv2d_1/bias", 8)
    d1_w = w.dense("dense/kernel", (512, 6), 512)
    d1_b = w.bias("dense/bias", 6)
    d2_w = w.dense("dense_1/kernel", (6, 2), 6)
    d2_b = w.bias("dense_1/bias", 2)
    shape = numpy_helper.from_array(np.array([-1, 512], dtype=np.int64), "reshape_shape_value")

    nodes = [
        node("Transpose", ["input_1"], ["input_nchw"], "transpose_in", perm=[0, 3, 1, 2]),
        node("Conv", ["input_nchw", conv1_w, conv1_b], ["conv2d_out"], "conv2d",
             kernel_shape=[3, 3], strides=[1, 1], auto_pad="SAME_UPPER"),
        node("Relu", ["conv2d_out"], ["relu_out"], "relu"),
        node("MaxPool", ["relu_out"], ["max_pooling2d_out"], "max_pooling2d",
             kernel_shape=[2, 2], strides=[2, 2]),
        node("Conv", ["max_pooling2d_out", conv2_w, conv2_b], ["conv2d_1_out"], "conv2d_1",
             kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1]),
        node("Relu", ["conv2d_1_out"], ["relu_1_out"], "relu_1"),
        node("MaxPool", ["relu_1_out"], ["max_pooling2d_1_out"], "max_pooling2d_1",
             kernel_shape=[2, 2], strides=[2, 2]),
        node("Transpose", ["max_pooling2d_1_out"], ["features_nhwc"], "transpose_out", perm=[0, 2, 3, 1]),
        node("Constant", [], ["reshape_shape"], "reshape_shape_const", value=shape),
        node("Reshape", ["features_nhwc", "reshape_shape"], ["flatten_out"], "flatten"),
        node("MatMul", ["flatten_out", d1_w], ["dense_matmul"], "dense"),
        node("Add", ["dense_matmul", d1_b], ["dense_out"], "dense_bias"),
        node("Relu", ["dense_out"], ["dense_relu"], "dense_relu"),
        node("MatMul", ["dense_relu", d2_w], ["dense_1_matmul"], "dense_1"),
        node("Add", ["dense_1_matmul", d2_b], ["dense_1_out"], "dense_1_bias"),
        node("Softmax", ["dense_1_out"], ["dense_1_softmax"], "softmax", axis=-1),
    ]
    graph = helper.make_graph(nodes, name,
                              [value("input_1", [1, 32, 32, 1])],
                              [value("dense_1_softmax", [1, 2])],
                              initializer=w.initializers)
    return make_model(graph, 13)


KERAS_META = {
    "input_name": "input_1", "input_shape": [1, 32, 32, 1], "layout": "nhwc",
    "opset": 13, "output_is": "probabilities",
}


def keras_style():
    return keras_graph("keras_style"), dict(KERAS_META, description=(
        "tf2onnx-style gray NHWC model: Transpose to NCHW, Conv(SAME_UPPER)+Relu, MaxPool, "
        "Conv(pads 1)+Relu, MaxPool, Transpose back to NHWC, Reshape(Constant [-1,512]), "
        "MatMul+Add, Relu, MatMul+Add, Softmax(axis -1)."))


def external_data():
    return keras_graph("external_data"), dict(KERAS_META, description=(
        "Same graph and weights as keras_style, saved with all initializers in the external "
        f"file {EXTERNAL_WEIGHTS} (size_threshold 0); the reshape Constant stays inline."),
        external_data=EXTERNAL_WEIGHTS)


def gap_sigmoid():
    w = Weights(3003)
    conv1_w = w.conv("conv1.weight", 6, 3, 5, 5)
    bn1 = w.batchnorm("bn1", 6)
    conv2_w = w.conv("conv2.weight", 12, 6, 3, 3)
    conv2_b = w.bias("conv2.bias", 12)
    fc_w = w.dense("fc.weight", (12, 1), 12)
    fc_b = w.bias("fc.bias", 1)

    nodes = [
        node("Conv", ["input", conv1_w], ["conv1_out"], "conv1",
             kernel_shape=[5, 5], pads=[2, 2, 2, 2], strides=[1, 1]),
        node("BatchNormalization", ["conv1_out"] + bn1, ["bn1_out"], "bn1", epsilon=1e-5),
        node("Relu", ["bn1_out"], ["relu1_out"], "relu1"),
        node("MaxPool", ["relu1_out"], ["pool1_out"], "pool1",
             kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        node("Conv", ["pool1_out", conv2_w, conv2_b], ["conv2_out"], "conv2",
             kernel_shape=[3, 3], strides=[2, 2], pads=[0, 1, 1, 0]),
        node("Relu", ["conv2_out"], ["relu2_out"], "relu2"),
        node("GlobalAveragePool", ["relu2_out"], ["gap_out"], "gap"),
        node("Flatten", ["gap_out"], ["flatten_out"], "flatten", axis=1),
        node("Gemm", ["flatten_out", fc_w, fc_b], ["fc_out"], "fc", alpha=1.0, beta=1.0, transB=0),
        node("Sigmoid", ["fc_out"], ["output"], "sigmoid"),
    ]
    graph = helper.make_graph(nodes, "gap_sigmoid",
                              [value("input", ["N", 3, 33, 31])],
                              [value("output", ["N", 1])],
                              initializer=w.initializers)
    return make_model(graph, 9), {
        "input_name": "input", "input_shape": [1, 3, 33, 31], "layout": "nchw",
        "opset": 9, "output_is": "probabilities",
        "description": "Opset 9, odd 33x31 input, symbolic batch 'N': Conv 5x5 without bias, "
                       "BatchNormalization (opset 9), Relu, MaxPool 3x3/2 pads 1, Conv 3x3/2 with "
                       "asymmetric pads [0,1,1,0], Relu, GlobalAveragePool, Flatten, Gemm(transB=0), "
                       "Sigmoid: one probability per case.",
    }


def torch_logits_graph(name, orphan=False):
    w = Weights(4004)
    conv_w = w.conv("features.0.weight", 4, 3, 3, 3)
    conv_b = w.bias("features.0.bias", 4)
    fc_w = w.dense("classifier.weight", (5, 256), 256)
    fc_b = w.bias("classifier.bias", 5)
    if orphan:
        w.raw("orphan", np.arange(4, dtype=np.float32))
    nodes = [
        node("Conv", ["input", conv_w, conv_b], ["conv_out"], "features.0",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        node("Relu", ["conv_out"], ["relu_out"], "features.1"),
        node("MaxPool", ["relu_out"], ["pool_out"], "features.2", kernel_shape=[2, 2], strides=[2, 2]),
        node("Flatten", ["pool_out"], ["flatten_out"], "flatten", axis=1),
        node("Gemm", ["flatten_out", fc_w, fc_b], ["logits"], "classifier",
             alpha=1.0, beta=1.0, transB=1),
    ]
    graph = helper.make_graph(nodes, name,
                              [value("input", [1, 3, 16, 16])],
                              [value("logits", [1, 5])],
                              initializer=w.initializers)
    return make_model(graph, 21)


TORCH_LOGITS_META = {
    "input_name": "input", "input_shape": [1, 3, 16, 16], "layout": "nchw", "opset": 21,
}


def torch_logits_opset21():
    return torch_logits_graph("torch_logits_opset21"), dict(
        TORCH_LOGITS_META, output_is="logits",
        description="Opset 21 (IR 10), small torchvision-style model ending in logits: Conv 3x3 pads 1, "
                    "Relu, MaxPool 2, Flatten, Gemm(transB=1) -> 5 logits, no Softmax.")


def unused_initializer():
    return torch_logits_graph("unused_initializer", orphan=True), dict(
        TORCH_LOGITS_META, output_is="logits", expected_error="unused initializer orphan",
        description="torch_logits_opset21's graph plus an initializer 'orphan' (float [4]) that no node "
                    "uses; an importer should reject it. Not run.")


def unsupported():
    w = Weights(5005)
    conv1_w = w.conv("conv1.weight", 4, 4, 3, 3)
    conv1_b = w.bias("conv1.bias", 4)
    grouped_w = w.conv("grouped.weight", 4, 2, 3, 3)  # group 2: 4 input channels / 2
    grouped_b = w.bias("grouped.bias", 4)
    fc_w = w.dense("fc.weight", (3, 128), 128)
    fc_b = w.bias("fc.bias", 3)
    nodes = [
        node("Conv", ["input", conv1_w, conv1_b], ["conv1_out"], "conv1",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        node("LeakyRelu", ["conv1_out"], ["leaky_out"], "leaky", alpha=0.1),
        node("Conv", ["leaky_out", grouped_w, grouped_b], ["grouped_out"], "grouped",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=2),
        node("Relu", ["grouped_out"], ["relu2_out"], "relu2"),
        node("Concat", ["leaky_out", "relu2_out"], ["cat_out"], "cat", axis=1),
        node("MaxPool", ["cat_out"], ["pool_out"], "pool", kernel_shape=[2, 2], strides=[2, 2]),
        node("Flatten", ["pool_out"], ["flatten_out"], "flatten", axis=1),
        node("Gemm", ["flatten_out", fc_w, fc_b], ["logits"], "fc", transB=1),
        node("Softmax", ["logits"], ["output"], "softmax", axis=1),
    ]
    graph = helper.make_graph(nodes, "unsupported",
                              [value("input", [1, 4, 8, 8])],
                              [value("output", [1, 3])],
                              initializer=w.initializers)
    model = make_model(graph, 13)
    reasons = {
        "LeakyRelu": "unsupported op LeakyRelu",
        "Concat": "unsupported op Concat (branching graph)",
        "Conv": "Conv with group 2 (only group 1 is supported)",
    }
    expected = []
    for index, n in enumerate(model.graph.node):
        grouped = n.op_type == "Conv" and any(a.name == "group" and a.i > 1 for a in n.attribute)
        if n.op_type in ("LeakyRelu", "Concat") or grouped:
            expected.append({"op": n.op_type, "name": n.name, "index": index, "reason": reasons[n.op_type]})
    return model, {
        "input_name": "input", "input_shape": [1, 4, 8, 8], "layout": "nchw", "opset": 13,
        "output_is": "probabilities", "expected_error_ops": expected,
        "description": "Valid ONNX an importer should reject: LeakyRelu 'leaky', Conv 'grouped' with "
                       "group 2, and Concat 'cat' joining two branches, among supported ops. Not run.",
    }


RUNNABLE = [torch_style, keras_style, gap_sigmoid, torch_logits_opset21, external_data]
NOT_RUN = [unsupported, unused_initializer]
INPUT_SEEDS = {"torch_style": 9001, "keras_style": 9002, "gap_sigmoid": 9003,
               "torch_logits_opset21": 9004, "external_data": 9002}


# ---------------------------------------------------------------------------
# onnxruntime
# ---------------------------------------------------------------------------

def ort_session(path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.use_deterministic_compute = True
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def run_cases(session, input_name, inputs):
    outputs = []
    for x in inputs:
        (y,) = session.run(None, {input_name: x})
        outputs.append(np.asarray(y, dtype=np.float32))
    return outputs


def write_f32(path, arrays):
    path.write_bytes(b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for a in arrays))


def write_json(path, meta):
    path.write_text(json.dumps(meta, indent=2) + "\n")


def save(model, path, external=None):
    if external is None:
        onnx.save_model(model, str(path))
        return
    # onnx appends to an existing external file, so start from scratch for determinism.
    weights = path.parent / external
    if weights.exists():
        weights.unlink()
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=external, size_threshold=0)


def generate(out):
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for builder in RUNNABLE:
        name = builder.__name__
        model, meta = builder()
        onnx_path = out / f"{name}.onnx"
        save(model, onnx_path, meta.get("external_data"))
        onnx.checker.check_model(str(onnx_path), full_check=True)
        written.append(onnx_path)
        if "external_data" in meta:
            written.append(out / meta["external_data"])

        # external_data shares keras_style's inputs, so its outputs must match keras_style's too.
        rng = np.random.default_rng(INPUT_SEEDS[name])
        shape = meta["input_shape"]
        inputs = [rng.random(shape, dtype=np.float32) for _ in range(CASES)]
        outputs = run_cases(ort_session(onnx_path), meta["input_name"], inputs)
        per_case = int(outputs[0].size)
        assert all(o.size == per_case for o in outputs)
        assert all(np.isfinite(o).all() for o in outputs)

        write_f32(out / f"{name}.inputs.f32", inputs)
        write_f32(out / f"{name}.outputs.f32", outputs)
        ordered = {k: meta[k] for k in ("input_name", "input_shape", "layout", "opset")}
        ordered.update(outputs_per_case=per_case, cases=CASES, output_is=meta["output_is"],
                       description=meta["description"])
        if "external_data" in meta:
            ordered["external_data"] = meta["external_data"]
        write_json(out / f"{name}.json", ordered)
        written += [out / f"{name}.inputs.f32", out / f"{name}.outputs.f32", out / f"{name}.json"]

    for builder in NOT_RUN:
        name = builder.__name__
        model, meta = builder()
        onnx_path = out / f"{name}.onnx"
        save(model, onnx_path)
        write_json(out / f"{name}.json", meta)
        written += [onnx_path, out / f"{name}.json"]

    total = 0
    for path in written:
        size = path.stat().st_size
        total += size
        print(f"{size:8d}  {path.name}")
    print(f"{total:8d}  total in {out}")


# ---------------------------------------------------------------------------
# roundtrip
# ---------------------------------------------------------------------------

def nchw_nhwc_conversion(model_shape, reference_shape):
    """Returns a transpose perm if the model's rank-4 input is the reference transposed."""
    if len(model_shape) != 4 or len(reference_shape) != 4:
        return None
    fixed = [d if isinstance(d, int) else None for d in model_shape]

    def matches(shape):
        return all(f is None or f == s for f, s in zip(fixed[1:], shape[1:]))

    if matches(reference_shape):
        return None
    n, a, b, c = reference_shape
    if matches([n, c, a, b]):
        return (0, 3, 1, 2)  # reference NHWC -> model NCHW
    if matches([n, b, c, a]):
        return (0, 2, 3, 1)  # reference NCHW -> model NHWC
    return None


def top1_labels(outputs, output_is):
    if outputs.shape[1] == 1:  # single sigmoid / logit unit: compare the decision
        return (outputs[:, 0] > (0.5 if output_is == "probabilities" else 0.0)).astype(int)
    return outputs.argmax(axis=1)


def roundtrip(model_path, prefix):
    model_path = Path(model_path)
    meta = json.loads(Path(f"{prefix}.json").read_text())
    shape = [int(d) for d in meta["input_shape"]]
    cases = int(meta["cases"])
    per_case = int(meta["outputs_per_case"])
    inputs = np.fromfile(f"{prefix}.inputs.f32", dtype="<f4")
    expected = np.fromfile(f"{prefix}.outputs.f32", dtype="<f4")
    if inputs.size != cases * int(np.prod(shape)) or expected.size != cases * per_case:
        print(f"error: {prefix}.inputs.f32/.outputs.f32 sizes do not match {prefix}.json")
        return 1
    inputs = inputs.reshape([cases] + shape)
    expected = expected.reshape(cases, per_case).astype(np.float64)

    onnx.checker.check_model(str(model_path), full_check=True)
    model = onnx.load(str(model_path), load_external_data=False)
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
    producer = f"{model.producer_name} {model.producer_version}".strip() or "(none)"
    print(f"{model_path}: checker ok; producer {producer}; ir_version {model.ir_version}; opset {opsets}")

    session = ort_session(model_path)
    graph_inputs = session.get_inputs()
    if len(graph_inputs) != 1:
        print(f"error: model has {len(graph_inputs)} inputs, expected 1")
        return 1
    graph_input = graph_inputs[0]
    if graph_input.name != meta.get("input_name"):
        print(f"note: input is named {graph_input.name!r}, reference {meta.get('input_name')!r}")
    perm = nchw_nhwc_conversion(list(graph_input.shape), shape)
    if perm is not None:
        print(f"note: model input shape {graph_input.shape} is the reference {meta.get('layout', '?')} "
              f"shape {shape} transposed; feeding inputs transposed with perm {list(perm)}")

    actual = []
    for x in inputs:
        x = np.ascontiguousarray(x.transpose(perm) if perm is not None else x)
        y = session.run(None, {graph_input.name: x})[0]
        actual.append(np.asarray(y, dtype=np.float64).reshape(-1))
    if any(a.size != per_case for a in actual):
        print(f"error: model gives {actual[0].size} outputs per case, reference {per_case}")
        return 1
    actual = np.stack(actual)

    diff = np.abs(actual - expected)
    max_abs = float(diff.max())
    max_rel = float((diff / np.maximum(np.abs(expected), 1e-12)).max())
    scale = float(np.abs(expected).max())
    tolerance = 1e-4 * (1.0 + scale)
    got_top1 = top1_labels(actual, meta.get("output_is"))
    want_top1 = top1_labels(expected, meta.get("output_is"))
    top1_ok = bool((got_top1 == want_top1).all())
    print(f"cases {cases}, outputs per case {per_case}")
    print(f"max |diff| {max_abs:.3e} (tolerance {tolerance:.3e}), max relative diff {max_rel:.3e}")
    print(f"top-1 {'agrees' if top1_ok else 'DIFFERS'}: model {got_top1.tolist()}, reference {want_top1.tolist()}")
    ok = max_abs <= tolerance and top1_ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def full_vgg16(path, external):
    """torchvision's VGG-16 layout (NCHW 224x224x3, 13 convs with pads 1, 5 max pools,
    Flatten, 25088→4096→4096→1000, logits) with seeded He-normal weights, ~553 MB."""
    rng = np.random.default_rng(16)
    nodes, inits = [], []
    current, channels, index = "input", 3, 0
    for block in [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]:
        for width in block:
            w = (rng.standard_normal((width, channels, 3, 3), dtype=np.float32) * np.sqrt(2.0 / (channels * 9))).astype(np.float32)
            b = (rng.standard_normal(width, dtype=np.float32) * 0.01).astype(np.float32)
            inits += [numpy_helper.from_array(w, f"features.{index}.weight"), numpy_helper.from_array(b, f"features.{index}.bias")]
            nodes.append(node("Conv", [current, f"features.{index}.weight", f"features.{index}.bias"], [f"c{index}"],
                              f"features.{index}", kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
            nodes.append(node("Relu", [f"c{index}"], [f"r{index}"], f"features.{index + 1}"))
            current, channels, index = f"r{index}", width, index + 2
        nodes.append(node("MaxPool", [current], [f"p{index}"], f"features.{index}", kernel_shape=[2, 2], strides=[2, 2]))
        current, index = f"p{index}", index + 1
    nodes.append(node("Flatten", [current], ["flat"], "flatten", axis=1))
    current, features = "flat", 512 * 7 * 7
    for i, (out, last) in enumerate([(4096, False), (4096, False), (1000, True)]):
        w = (rng.standard_normal((out, features), dtype=np.float32) * np.sqrt(2.0 / features)).astype(np.float32)
        b = (rng.standard_normal(out, dtype=np.float32) * 0.01).astype(np.float32)
        name = f"classifier.{3 * i}"
        inits += [numpy_helper.from_array(w, f"{name}.weight"), numpy_helper.from_array(b, f"{name}.bias")]
        nodes.append(node("Gemm", [current, f"{name}.weight", f"{name}.bias"], [f"{name}.out"], name, transB=1))
        current, features = f"{name}.out", out
        if not last:
            nodes.append(node("Relu", [current], [f"{name}.relu"], f"classifier.{3 * i + 1}"))
            current = f"{name}.relu"
    nodes[-1].output[0] = "logits"
    graph = helper.make_graph(nodes, "vgg16", [value("input", [1, 3, 224, 224])], [value("logits", [1, 1000])], inits)
    model = make_model(graph, 13)
    if external:
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=os.path.basename(path) + ".weights", size_threshold=1024)
    else:
        onnx.save_model(model, path)
    print(f"wrote {path}" + (f" and {path}.weights" if external else "") + f": {sum(t.size for t in map(numpy_helper.to_array, inits)) / 1e6:.1f} M parameters")
    return 0


def main(argv):
    if argv and argv[0] == "roundtrip":
        if len(argv) != 3:
            print(__doc__)
            return 2
        try:
            return roundtrip(argv[1], argv[2])
        except Exception as error:  # checker, onnxruntime or file errors all mean failure
            print(f"error: {type(error).__name__}: {error}")
            return 1
    if argv and argv[0] == "vgg16":
        if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--external"):
            print(__doc__)
            return 2
        return full_vgg16(argv[1], len(argv) == 3)
    out = DEFAULT_OUT
    if argv[:1] == ["--out"] and len(argv) == 2:
        out = Path(argv[1])
    elif argv:
        print(__doc__)
        return 2
    generate(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

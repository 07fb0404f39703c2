#!/usr/bin/env python3
"""Checks ONNX files written by NeuralView's save_onnx with the onnx package.

For every *.onnx in FOLDER: onnx.checker.check_model(full_check=True) (which
includes strict shape inference), opset 13, a dynamic batch dimension "N" on
the input and output, shapes that ONNX's own shape inference agrees with, and
the NeuralView metadata keys as JSON.

Usage: check_saved_models.py FOLDER
"""
import glob
import json
import os
import sys

import onnx
import onnx.shape_inference


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    opsets = {o.domain: o.version for o in model.opset_import}
    assert opsets.get("", opsets.get("ai.onnx")) == 13, f"opset {opsets}"
    assert model.ir_version in (7, 8), model.ir_version
    graph = model.graph
    assert len(graph.input) == 1 and len(graph.output) == 1
    assert dims(graph.input[0])[0] == "N" and dims(graph.output[0])[0] == "N"
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    declared = {v.name: dims(v) for v in list(graph.value_info) + list(graph.output)}
    for v in list(inferred.graph.value_info) + list(inferred.graph.output):
        if v.name in declared:
            assert dims(v) == declared[v.name], f"{v.name}: onnx infers {dims(v)}, file says {declared[v.name]}"
    props = {p.key: p.value for p in model.metadata_props}
    for key in ("channel_names", "channel_mean", "channel_stddev", "class_names", "target_names"):
        if key in props:
            assert isinstance(json.loads(props[key]), list), key
    if "extra" in props:
        assert isinstance(json.loads(props["extra"]), dict)
    assert "task" in props, "task metadata missing"
    initializers = {i.name for i in graph.initializer}
    assert all(n.name for n in graph.node), "unnamed node"
    return len(graph.node), len(initializers)


def main():
    files = sorted(glob.glob(os.path.join(sys.argv[1], "*.onnx")))
    if not files:
        print("no ONNX files found")
        return 1
    failed = 0
    for path in files:
        try:
            nodes, weights = check(path)
            print(f"ok   {os.path.basename(path)}: {nodes} nodes, {weights} initializers")
        except Exception as e:  # report every file, then fail
            failed += 1
            print(f"FAIL {os.path.basename(path)}: {e}")
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

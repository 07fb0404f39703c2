"""Prints a JSON summary of an ONNX file read with python3-onnx (an independent reader).

Runs in Debian's Python, outside ParaView: importing onnx inside a process
that has loaded the plugin (and with it libprotobuf) crashes protobuf.
usage: onnx_summary.py MODEL.onnx
"""

import hashlib
import json
import sys

import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
print(json.dumps({
    "metadata": {p.key: p.value for p in model.metadata_props},
    "ops": [n.op_type for n in model.graph.node],
    "weights": {i.name: hashlib.sha256(numpy_helper.to_array(i).tobytes()).hexdigest() for i in model.graph.initializer},
}))

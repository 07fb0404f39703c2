"""PyTorch oracle for the engine's parity tests (test time only).

Usage: torch_parity.py CASE_DIR

CASE_DIR/case.json describes a GraphSpec (ONNX op names and attributes), the
input shape with batch, the mode, the weight files (raw little-endian
float32) and, for training-mode Dropout, the masks the engine drew. The script
runs the graph with torch.nn.functional, backpropagates L = sum(output * R)
with R from output_gradient.bin, optionally takes one Adam step, and writes
raw float32 results back into CASE_DIR.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def read(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(shape).copy())


def write(path, tensor):
    tensor.detach().cpu().contiguous().numpy().astype("<f4").tofile(path)


def pads_of(attrs, rank):
    pads = attrs.get("pads", [0] * (2 * rank))
    return pads[:rank], pads[rank:]


def padded(x, begin, end):
    """Explicit zero padding for asymmetric pads; returns (x, symmetric pad)."""
    if begin == end:
        return x, begin
    spec = []
    for b, e in zip(reversed(begin), reversed(end)):
        spec += [b, e]
    return F.pad(x, spec), [0] * len(begin)


def run_node(node, env, weights, masks, training):
    op, attrs = node["op"], node["attributes"]
    x = env[node["inputs"][0]]
    w = [weights[n] for n in node["inputs"][1:] if n in weights]
    rank = x.dim() - 2
    if op in ("Conv", "ConvTranspose"):
        begin, end = pads_of(attrs, rank)
        strides = attrs.get("strides", [1] * rank)
        dilations = attrs.get("dilations", [1] * rank)
        group = attrs.get("group", 1)
        bias = w[1] if len(w) > 1 else None
        if op == "Conv":
            x, pad = padded(x, begin, end)
            conv = F.conv2d if rank == 2 else F.conv3d
            return conv(x, w[0], bias, strides, pad, dilations, group)
        assert begin == end, "asymmetric ConvTranspose pads not handled by the oracle"
        deconv = F.conv_transpose2d if rank == 2 else F.conv_transpose3d
        return deconv(x, w[0], bias, strides, begin, attrs.get("output_padding", [0] * rank), group, dilations)
    if op in ("MaxPool", "AveragePool"):
        begin, end = pads_of(attrs, rank)
        assert begin == end, "asymmetric pooling pads not handled by the oracle"
        kernel, strides = attrs["kernel_shape"], attrs.get("strides", [1] * rank)
        if op == "MaxPool":
            pool = F.max_pool2d if rank == 2 else F.max_pool3d
            return pool(x, kernel, strides, begin)
        pool = F.avg_pool2d if rank == 2 else F.avg_pool3d
        return pool(x, kernel, strides, begin, count_include_pad=bool(attrs.get("count_include_pad", 0)))
    if op == "GlobalAveragePool":
        return x.mean(dim=tuple(range(2, x.dim())), keepdim=True)
    if op == "BatchNormalization":
        scale, shift, mean, var = w
        # ONNX momentum m keeps m of the running value; PyTorch's keeps 1 - m.
        return F.batch_norm(x, mean, var, scale, shift, training, 1.0 - attrs.get("momentum", 0.9),
                            attrs.get("epsilon", 1e-5))
    if op == "Relu":
        return F.relu(x)
    if op == "LeakyRelu":
        return F.leaky_relu(x, attrs.get("alpha", 0.01))
    if op == "Tanh":
        return torch.tanh(x)
    if op == "Sigmoid":
        return torch.sigmoid(x)
    if op == "Softmax":
        return F.softmax(x, dim=1)
    if op == "Dropout":
        if not training:
            return x
        return x * masks[node["name"]] / (1.0 - attrs.get("ratio", 0.5))
    if op == "Flatten":
        return torch.flatten(x, 1)
    if op == "Gemm":
        weight = w[0] if attrs.get("transB", 0) else w[0].t()
        return F.linear(x, weight, w[1].reshape(-1) if len(w) > 1 else None)
    if op == "Concat":
        return torch.cat([env[n] for n in node["inputs"]], dim=1)
    if op == "Add":
        return env[node["inputs"][0]] + env[node["inputs"][1]]
    if op == "Resize":
        mode = attrs.get("mode", "nearest")
        if mode == "linear":
            mode = "bilinear" if rank == 2 else "trilinear"
            return F.interpolate(x, scale_factor=attrs["nv_scale"], mode=mode, align_corners=False)
        return F.interpolate(x, scale_factor=attrs["nv_scale"], mode="nearest")
    raise ValueError("oracle does not know op " + op)


def main():
    torch.set_num_threads(2)
    folder = sys.argv[1]
    with open(os.path.join(folder, "case.json")) as f:
        case = json.load(f)
    training = case["training"]
    weights = {}
    trainable = set(case["trainable"])
    for index, entry in enumerate(case["weights"]):
        t = read(os.path.join(folder, "weight_%d.bin" % index), entry["shape"])
        if entry["name"] in trainable:
            t.requires_grad_(True)
        weights[entry["name"]] = t
    masks = {}
    for index, entry in enumerate(case["masks"]):
        masks[entry["node"]] = read(os.path.join(folder, "mask_%d.bin" % index), entry["shape"])
    x = read(os.path.join(folder, "input.bin"), case["input_shape"]).requires_grad_(True)
    env = {case["input_name"]: x}
    for node in case["nodes"]:
        env[node["outputs"][0]] = run_node(node, env, weights, masks, training)
    y = env[case["output_name"]]
    for node in case["nodes"]:
        write(os.path.join(folder, "activation_%s.bin" % node["outputs"][0]), env[node["outputs"][0]])
    write(os.path.join(folder, "output.bin"), y)
    if not training:
        return
    r = read(os.path.join(folder, "output_gradient.bin"), list(y.shape))
    (y * r).sum().backward()
    write(os.path.join(folder, "input_gradient.bin"), x.grad)
    for index, entry in enumerate(case["weights"]):
        t = weights[entry["name"]]
        if entry["name"] in trainable:
            write(os.path.join(folder, "gradient_%d.bin" % index), t.grad)
        else:
            write(os.path.join(folder, "after_%d.bin" % index), t)  # running statistics
    if case.get("adam_learning_rate"):
        params = [weights[e["name"]] for e in case["weights"] if e["name"] in trainable]
        torch.optim.Adam(params, lr=case["adam_learning_rate"]).step()
        for index, entry in enumerate(case["weights"]):
            if entry["name"] in trainable:
                write(os.path.join(folder, "after_%d.bin" % index), weights[entry["name"]])


if __name__ == "__main__":
    main()

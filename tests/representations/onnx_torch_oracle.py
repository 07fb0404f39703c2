"""PyTorch oracle for the inspection filters: runs an ONNX model (read with
python3-onnx) in float64 torch operations, independently of NeuralView's
engine, and computes activations, saliency, integrated gradients and Grad-CAM.

Runs in Debian's Python (NEURALVIEW_ORACLE_PYTHON), never inside ParaView
(onnx there crashes protobuf). usage: onnx_torch_oracle.py REQUEST.json
REQUEST: {"model": path, "input": raw field (C, spatial...) as .npy,
          "output": .npz path, "tasks": [{"name": key, "kind": ..., ...}]}
kinds: activation (tensor), scores (region), saliency / ig / gradcam
(channel, region: .npy of weights over output positions or null, steps,
layer), first_conv (weights and bias of the first Conv node). activation and
gradcam take "resize": a spatial shape to interpolate to (linear,
align_corners=False).
"""

import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper


def attributes(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def symmetric_pads(pads, rank):
    begins, ends = pads[:rank], pads[rank:]
    if list(begins) != list(ends):
        raise SystemExit("asymmetric pads are not supported by the oracle")
    return list(begins)


class Model:
    def __init__(self, path):
        self.proto = onnx.load(path)
        self.meta = {p.key: p.value for p in self.proto.metadata_props}
        self.weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).astype(np.float64))
                        for i in self.proto.graph.initializer}
        self.input_name = self.proto.graph.input[0].name
        self.output_name = self.proto.graph.output[0].name

    def normalise(self, raw):
        x = np.array(raw, dtype=np.float64)
        if "channel_mean" in self.meta:
            mean = json.loads(self.meta["channel_mean"])
            std = json.loads(self.meta["channel_stddev"])
            for c in range(x.shape[0]):
                x[c] = (x[c] - mean[c]) / (std[c] if std[c] > 0 else 1.0)
        return torch.from_numpy(x[None])

    def run(self, x, keep=None):
        """Evaluates the graph on x (1, C, ...); returns all tensors by name.
        keep: name of a tensor whose gradient is retained."""
        values = {self.input_name: x}
        for node in self.proto.graph.node:
            a = attributes(node)
            ins = [values[n] if n in values else self.weights[n] for n in node.input if n]
            X = ins[0]
            d = X.dim() - 2
            op = node.op_type
            if op == "Conv":
                conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[d]
                y = conv(X, ins[1], ins[2] if len(ins) > 2 else None, stride=a.get("strides", [1] * d),
                         padding=symmetric_pads(a.get("pads", [0] * 2 * d), d), dilation=a.get("dilations", [1] * d),
                         groups=a.get("group", 1))
            elif op == "ConvTranspose":
                conv = {2: F.conv_transpose2d, 3: F.conv_transpose3d}[d]
                y = conv(X, ins[1], ins[2] if len(ins) > 2 else None, stride=a.get("strides", [1] * d),
                         padding=symmetric_pads(a.get("pads", [0] * 2 * d), d),
                         output_padding=a.get("output_padding", [0] * d), groups=a.get("group", 1))
            elif op == "BatchNormalization":
                y = F.batch_norm(X, ins[3], ins[4], ins[1], ins[2], training=False, eps=a.get("epsilon", 1e-5))
            elif op == "Relu":
                y = F.relu(X)
            elif op == "LeakyRelu":
                y = F.leaky_relu(X, a.get("alpha", 0.01))
            elif op == "Tanh":
                y = torch.tanh(X)
            elif op == "Sigmoid":
                y = torch.sigmoid(X)
            elif op == "Softmax":
                y = torch.softmax(X, dim=a.get("axis", 1))
            elif op in ("MaxPool", "AveragePool"):
                k = a["kernel_shape"]
                s = a.get("strides", k)
                p = symmetric_pads(a.get("pads", [0] * 2 * d), d)
                if op == "MaxPool":
                    y = {2: F.max_pool2d, 3: F.max_pool3d}[d](X, k, s, p, ceil_mode=bool(a.get("ceil_mode", 0)))
                else:
                    y = {2: F.avg_pool2d, 3: F.avg_pool3d}[d](X, k, s, p, ceil_mode=bool(a.get("ceil_mode", 0)),
                                                            count_include_pad=bool(a.get("count_include_pad", 0)))
            elif op == "GlobalAveragePool":
                y = X.mean(dim=tuple(range(2, X.dim())), keepdim=True)
            elif op == "Flatten":
                y = torch.flatten(X, a.get("axis", 1))
            elif op == "Gemm":
                W = ins[1].t() if a.get("transB", 0) else ins[1]
                y = a.get("alpha", 1.0) * X @ W
                if len(ins) > 2:
                    y = y + a.get("beta", 1.0) * ins[2]
            elif op == "Concat":
                y = torch.cat(ins, dim=a.get("axis", 1))
            elif op == "Add":
                y = ins[0] + ins[1]
            elif op in ("Dropout", "Identity"):
                y = X
            else:
                raise SystemExit("oracle: unsupported op " + op)
            if node.output[0] == keep:
                y.retain_grad()
            values[node.output[0]] = y
        return values

    def score(self, out, channel, region):
        target = out[0, channel].reshape(-1)
        return (target * region).sum() if region is not None else target.sum()


def main():
    request = json.load(open(sys.argv[1]))
    model = Model(request["model"])
    raw = np.load(request["input"])
    results = {}
    for task in request["tasks"]:
        kind, name = task["kind"], task["name"]
        region = torch.from_numpy(np.load(task["region"]).astype(np.float64)) if task.get("region") else None
        if kind == "activation":
            with torch.no_grad():
                value = model.run(model.normalise(raw))[task["tensor"]]
                if task.get("resize"):  # to the input grid, half-pixel centres
                    mode = {2: "bilinear", 3: "trilinear"}[value.dim() - 2]
                    value = F.interpolate(value, size=tuple(task["resize"]), mode=mode, align_corners=False)
                results[name] = value[0].numpy()
        elif kind == "scores":
            with torch.no_grad():
                out = model.run(model.normalise(raw))[model.output_name]
            results[name] = np.array([float(model.score(out, k, region)) for k in range(out.shape[1])])
        elif kind == "saliency":
            x = model.normalise(raw).requires_grad_(True)
            model.score(model.run(x)[model.output_name], task["channel"], region).backward()
            results[name] = x.grad[0].abs().numpy()
        elif kind == "ig":
            x = model.normalise(raw)
            steps = task["steps"]
            total = torch.zeros_like(x)
            for k in range(steps):  # midpoint rule from the zero baseline, as documented by the filter
                point = (x * (k + 0.5) / steps).requires_grad_(True)
                model.score(model.run(point)[model.output_name], task["channel"], region).backward()
                total += point.grad
            results[name] = (x * total / steps)[0].numpy()
            with torch.no_grad():
                results[name + "_scores"] = np.array([
                    float(model.score(model.run(x)[model.output_name], task["channel"], region)),
                    float(model.score(model.run(torch.zeros_like(x))[model.output_name], task["channel"], region))])
        elif kind == "gradcam":
            x = model.normalise(raw).requires_grad_(True)  # so that the layer's tensor has a gradient
            values = model.run(x, keep=task["layer"])
            model.score(values[model.output_name], task["channel"], region).backward()
            A = values[task["layer"]]
            alpha = A.grad.mean(dim=tuple(range(2, A.dim())), keepdim=True)
            cam = torch.relu((alpha * A).sum(dim=1, keepdim=True)).detach()
            if task.get("resize"):
                mode = {2: "bilinear", 3: "trilinear"}[cam.dim() - 2]
                cam = F.interpolate(cam, size=tuple(task["resize"]), mode=mode, align_corners=False)
            results[name] = cam[0, 0].numpy()
        elif kind == "first_conv":
            node = next(n for n in model.proto.graph.node if n.op_type == "Conv")
            results[name + "_weight"] = model.weights[node.input[1]].numpy()
            results[name + "_bias"] = model.weights[node.input[2]].numpy()
            results[name + "_output"] = np.array(node.output[0])
            results[name + "_names"] = np.array([n.output[0] for n in model.proto.graph.node])
        else:
            raise SystemExit("oracle: unknown task kind " + kind)
    np.savez(request["output"], **results)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch oracle for the graph tests.

Builds the networks of DESIGN.md ("Reference networks") and the small presets
directly in PyTorch, written from their descriptions (not from NeuralView's
code), and writes into OUTDIR:
  reference.json     parameter/buffer counts and output shapes per preset
  *.onnx             torch.onnx.export files of those networks and of a few
                     single-operation modules, at opsets 11, 13 and 17
  *.bin              float32 little-endian blobs: state_dict tensors,
                     an input batch and PyTorch's output for it
and lists every export with what the loader is expected to make of it.

Usage: torch_reference.py OUTDIR
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.manual_seed(1234)
torch.set_num_threads(1)


def block(conv, bn, cin, cout):
    return [conv(cin, cout, 3, padding=1), bn(cout), nn.ReLU()]


class ClimSeg(nn.Module):
    """U-Net-lite: encoder 32,32 | pool | 64,64 | pool | 128,128; decoder with ConvTranspose + concat([up, skip])."""

    def __init__(self, cin, classes):
        super().__init__()
        b = lambda i, o: block(nn.Conv2d, nn.BatchNorm2d, i, o)
        self.enc1 = nn.Sequential(*b(cin, 32), *b(32, 32))
        self.enc2 = nn.Sequential(*b(32, 64), *b(64, 64))
        self.bottom = nn.Sequential(*b(64, 128), *b(128, 128))
        self.up2 = nn.ConvTranspose2d(128, 64, 2, stride=2)
        self.dec2 = nn.Sequential(*b(128, 64), *b(64, 64))
        self.up1 = nn.ConvTranspose2d(64, 32, 2, stride=2)
        self.dec1 = nn.Sequential(*b(64, 32), *b(32, 32))
        self.head = nn.Conv2d(32, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        bottom = self.bottom(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(bottom), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


class CosmoFlow(nn.Module):
    def __init__(self, cin, spatial, outputs):
        super().__init__()
        layers, c = [], cin
        for o in (16, 32, 64, 64):
            layers += [nn.Conv3d(c, o, 3, padding=1), nn.LeakyReLU(0.3), nn.MaxPool3d(2)]
            c = o
        self.features = nn.Sequential(*layers)
        flat = 64 * int(np.prod([s // 16 for s in spatial]))
        self.head = nn.Sequential(nn.Linear(flat, 128), nn.LeakyReLU(0.3), nn.Linear(128, 64), nn.LeakyReLU(0.3),
                                  nn.Linear(64, outputs), nn.Tanh())

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


class HepCNN(nn.Module):
    def __init__(self, cin, spatial, classes):
        super().__init__()
        layers, c = [], cin
        for o in (64, 128, 128):
            layers += [nn.Conv2d(c, o, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            c = o
        self.features = nn.Sequential(*layers)
        flat = 128 * (spatial[0] // 8) * (spatial[1] // 8)
        self.fc1 = nn.Linear(flat, 512)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(512, classes)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)  # the Shape/Gather/Concat/Reshape chain in the export
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


class AutoEncoder(nn.Module):
    """Conv3-ReLU-MaxPool (16, 32), 1x1 bottleneck to 8, ConvTranspose 2/2 + ReLU (32, 16), Conv3 back to C."""

    def __init__(self, cin, dims):
        super().__init__()
        conv, tconv, pool = ((nn.Conv2d, nn.ConvTranspose2d, nn.MaxPool2d) if dims == 2 else
                             (nn.Conv3d, nn.ConvTranspose3d, nn.MaxPool3d))
        self.net = nn.Sequential(conv(cin, 16, 3, padding=1), nn.ReLU(), pool(2),
                                 conv(16, 32, 3, padding=1), nn.ReLU(), pool(2),
                                 conv(32, 8, 1), nn.ReLU(),
                                 tconv(8, 32, 2, stride=2), nn.ReLU(),
                                 tconv(32, 16, 2, stride=2), nn.ReLU(),
                                 conv(16, cin, 3, padding=1))

    def forward(self, x):
        return self.net(x)


class SegNetSmall(nn.Module):
    def __init__(self, cin, classes):
        super().__init__()
        b = lambda i, o: block(nn.Conv2d, nn.BatchNorm2d, i, o)
        self.enc = nn.Sequential(*b(cin, 16))
        self.bottom = nn.Sequential(*b(16, 32))
        self.up = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.dec = nn.Sequential(*b(32, 16))
        self.head = nn.Conv2d(16, classes, 1)

    def forward(self, x):
        e = self.enc(x)
        return self.head(self.dec(torch.cat([self.up(self.bottom(F.max_pool2d(e, 2))), e], 1)))


class SmallCNN(nn.Module):
    def __init__(self, cin, dims, outputs):
        super().__init__()
        conv, bn, pool, gap = ((nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d, nn.AdaptiveAvgPool2d) if dims == 2 else
                               (nn.Conv3d, nn.BatchNorm3d, nn.MaxPool3d, nn.AdaptiveAvgPool3d))
        self.features = nn.Sequential(*block(conv, bn, cin, 16), pool(2), *block(conv, bn, 16, 32), gap(1))
        self.head = nn.Linear(32, outputs)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


def make_preset(name, shape, outputs):
    c, spatial = shape[0], shape[1:]
    if name == "climseg":
        return ClimSeg(c, outputs)
    if name == "cosmoflow":
        return CosmoFlow(c, spatial, outputs)
    if name == "hepcnn":
        return HepCNN(c, spatial, outputs)
    if name == "autoencoder2d":
        return AutoEncoder(c, 2)
    if name == "autoencoder3d":
        return AutoEncoder(c, 3)
    if name == "segnet-small":
        return SegNetSmall(c, outputs)
    if name in ("classifier-small", "regressor-small"):
        return SmallCNN(c, len(spatial), outputs)
    raise ValueError(name)


# Reference shapes: DESIGN.md's for the reference networks.
REFERENCE = {
    "climseg": ([16, 192, 288], 3),
    "cosmoflow": ([4, 64, 64, 64], 4),
    "hepcnn": ([3, 64, 64], 2),
    "autoencoder2d": ([5, 32, 48], 0),
    "autoencoder3d": ([2, 16, 16, 16], 0),
    "segnet-small": ([4, 32, 48], 3),
    "classifier-small": ([3, 32, 32], 5),
    "regressor-small": ([4, 16, 16, 16], 4),
}

# Small shapes for the exported files (fast to export, load and run).
EXPORT = {
    "climseg": ([16, 16, 24], 3),
    "cosmoflow": ([4, 16, 16, 16], 4),
    "hepcnn": ([3, 16, 16], 2),
    "autoencoder2d": ([3, 8, 12], 0),
    "autoencoder3d": ([2, 8, 8, 8], 0),
    "segnet-small": ([4, 8, 12], 3),
    "classifier-small": ([3, 8, 8], 5),
    "regressor-small": ([2, 4, 4, 4], 3),
}


def randomize_statistics(model):
    """Distinct BatchNorm values: realistic, and keeps the exporter from merging equal initializers."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)


def write_blob(outdir, filename, named_arrays):
    entries, offset = [], 0
    with open(os.path.join(outdir, filename), "wb") as f:
        for name, array in named_arrays:
            a = np.ascontiguousarray(array, dtype="<f4")
            f.write(a.tobytes())
            entries.append({"name": name, "shape": list(a.shape), "offset": offset})
            offset += a.size
    return {"file": filename, "tensors": entries}


def export(outdir, stem, model, input_shape, opset, batch=2, dynamic=True, training=None, expected_weights=None,
           extra=None):
    """Exports `model` and records its weights, an input and PyTorch's output."""
    model.eval()
    x = torch.randn(batch, *input_shape)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(outdir, stem + ".onnx")
    kwargs = dict(opset_version=opset, input_names=["input"], output_names=["output"],
                  training=training or torch.onnx.TrainingMode.PRESERVE)
    if dynamic:
        kwargs["dynamic_axes"] = {"input": {0: "N"}, "output": {0: "N"}}
    torch.onnx.export(model, x, path, **kwargs)
    if expected_weights is None:
        expected_weights = [(k, v.numpy()) for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")]
    entry = {
        "name": stem,
        "file": stem + ".onnx",
        "opset": opset,
        "weights": write_blob(outdir, stem + ".weights.bin", expected_weights),
        "input": write_blob(outdir, stem + ".input.bin", [("input", x.numpy())]),
        "output": write_blob(outdir, stem + ".output.bin", [("output", y.numpy())]),
    }
    entry.update(extra or {})
    return entry


class SoftmaxChannels(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return torch.softmax(self.conv(x), 1)


class Upsample(nn.Module):
    def __init__(self, mode, factor):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.up = nn.Upsample(scale_factor=factor, mode=mode, **({} if mode == "nearest" else {"align_corners": False}))

    def forward(self, x):
        return self.up(self.conv(x))


class UpsampleToSize(nn.Module):
    """F.interpolate with an output size: the exporter computes Resize's sizes from Shape at run time."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        y = self.conv(x)
        return F.interpolate(y, size=(y.shape[2] * 2, y.shape[3] * 2), mode="nearest")


class PadConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(F.pad(x, (1, 1, 2, 2)))  # W: 1/1, H: 2/2


class AvgPoolPad(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.pool = nn.AvgPool2d(3, stride=1, padding=1)  # count_include_pad=True

    def forward(self, x):
        return self.pool(self.conv(x))


class MatMulLinear(nn.Module):
    def __init__(self, features, units):
        super().__init__()
        self.w = nn.Parameter(torch.randn(features, units) * 0.1)
        self.b = nn.Parameter(torch.randn(units) * 0.1)

    def forward(self, x):
        return torch.flatten(x, 1) @ self.w + self.b


class ConvDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        return self.drop(self.conv(x))


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return torch.tanh(torch.sigmoid(F.leaky_relu(self.conv(x), 0.2)))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 3, 3, padding=1)
        self.b = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        y = self.b(torch.relu(self.a(x))) + x
        return torch.cat([y, x], 1)


class ConvVariants(nn.Module):
    def __init__(self):
        super().__init__()
        self.strided = nn.Conv2d(4, 6, 3, stride=2, padding=1)
        self.dilated = nn.Conv2d(6, 6, 3, padding=2, dilation=2, groups=2)
        self.up = nn.ConvTranspose2d(6, 5, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        return self.up(self.dilated(self.strided(x)))


class Sin(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        return torch.sin(self.conv(x))


class CeilPool(nn.Module):
    def forward(self, x):
        return F.max_pool2d(x, 2, ceil_mode=True)


IR_VERSION_OF_OPSET = {7: 3, 9: 4, 10: 5, 11: 6, 13: 7, 17: 8}


def handmade(outdir, stem, opset, nodes, initializers, x, y=None, batch_dim="N", extra=None, check=True):
    """A model written with onnx.helper for paths torch 1.13 does not export; y is computed with numpy/torch."""
    from onnx import TensorProto, helper, numpy_helper
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch_dim] + list(x.shape[1:]))
    out_shape = y.shape if y is not None else x.shape
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, [batch_dim] + list(out_shape[1:]))
    graph = helper.make_graph(nodes, stem, [inp], [out],
                              initializer=[numpy_helper.from_array(np.asarray(a), n) for n, a in initializers])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="handmade")
    model.ir_version = IR_VERSION_OF_OPSET[opset]
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(outdir, stem + ".onnx"))
    entry = {"name": stem, "file": stem + ".onnx", "opset": opset, "weights": write_blob(outdir, stem + ".weights.bin", []),
             "input": write_blob(outdir, stem + ".input.bin", [("input", x)])}
    if y is not None:
        entry["output"] = write_blob(outdir, stem + ".output.bin", [("output", y)])
    entry.update(extra or {})
    return entry


def handmade_models(outdir):
    """Opset-specific forms: Upsample (7, 9), auto_pad, Gemm transB=0, old Softmax, static-batch Reshape, ..."""
    from onnx import helper
    rng = np.random.default_rng(5)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    x = f32(2, 2, 3, 4)
    up = x.repeat(2, axis=2).repeat(2, axis=3)
    entries = [
        handmade(outdir, "handmade_upsample_opset7", 7,
                 [helper.make_node("Upsample", ["input"], ["output"], scales=[1.0, 1.0, 2.0, 2.0], mode="nearest")],
                 [], x, up, extra={"expect_ops": ["Resize"]}),
        handmade(outdir, "handmade_upsample_opset9", 9,
                 [helper.make_node("Upsample", ["input", "scales"], ["output"], mode="nearest")],
                 [("scales", np.array([1, 1, 2, 2], np.float32))], x, up, extra={"expect_ops": ["Resize"]}),
        handmade(outdir, "handmade_upsample_linear_opset9", 9,
                 [helper.make_node("Upsample", ["input", "scales"], ["output"], mode="linear")],
                 [("scales", np.array([1, 1, 2, 2], np.float32))], x, extra={"expect_error": "half-pixel"}),
    ]
    # Conv with auto_pad SAME_UPPER and an even kernel width: pads H 1/1, W 0/1.
    w, b = f32(3, 2, 3, 2), f32(3)
    y = F.conv2d(F.pad(torch.from_numpy(x), (0, 1, 1, 1)), torch.from_numpy(w), torch.from_numpy(b)).numpy()
    entries.append(handmade(outdir, "handmade_conv_same_upper_opset13", 13,
                            [helper.make_node("Conv", ["input", "w", "b"], ["output"], auto_pad="SAME_UPPER")],
                            [("w", w), ("b", b)], x, y,
                            extra={"expect_ops": ["Conv"], "expect_attributes": {"Conv": {"pads": [1, 0, 1, 1]}}}))
    # Flatten -> Gemm with transB = 0 (weight stored (in, out)) -> Softmax(axis 1) at opset 11 on a flat tensor.
    gw, gc = f32(24, 5), f32(5)
    logits = x.reshape(2, -1) @ gw + gc
    soft = np.exp(logits - logits.max(1, keepdims=True))
    soft /= soft.sum(1, keepdims=True)
    entries.append(handmade(outdir, "handmade_gemm_softmax_opset11", 11,
                            [helper.make_node("Flatten", ["input"], ["flat"], axis=1),
                             helper.make_node("Gemm", ["flat", "gw", "gc"], ["logits"], transB=0),
                             helper.make_node("Softmax", ["logits"], ["output"], axis=1)],
                            [("gw", gw), ("gc", gc)], x, soft.astype(np.float32),
                            extra={"expect_ops": ["Flatten", "Gemm", "Softmax"]}))
    # Softmax(axis 1) on a 4-D tensor before opset 13 normalises over C, H and W together: not the channel softmax.
    entries.append(handmade(outdir, "handmade_softmax_spatial_opset11", 11,
                            [helper.make_node("Softmax", ["input"], ["output"], axis=1)], [], x,
                            extra={"expect_error": "normalises over axes 1 to 3"}))
    # Reshape to a constant (2, -1) with a fixed batch of 2 is a Flatten; a weight from a Constant node;
    # Identity of an initializer; Dropout with the ratio attribute (opset 10) and an unused mask.
    cw = f32(4, 2, 1, 1)
    y = np.einsum("oc,nchw->nohw", cw[:, :, 0, 0], x).reshape(2, -1)
    entries.append(handmade(outdir, "handmade_reshape_constant_opset10", 10,
                            [helper.make_node("Constant", [], ["cw"], value=onnx.numpy_helper.from_array(cw, "cw")),
                             helper.make_node("Conv", ["input", "cw"], ["conv"], kernel_shape=[1, 1]),
                             helper.make_node("Identity", ["shape"], ["shape_copy"]),
                             helper.make_node("Reshape", ["conv", "shape_copy"], ["flat"]),
                             helper.make_node("Dropout", ["flat"], ["output", "mask"], ratio=0.4)],
                            [("shape", np.array([2, -1], np.int64))], x, y.astype(np.float32), batch_dim=2,
                            extra={"expect_ops": ["Conv", "Flatten", "Dropout"],
                                   "expect_attributes": {"Dropout": {"ratio": 0.4}}}))
    # A zero Pad before MaxPool cannot be folded (MaxPool pads with -inf).
    entries.append(handmade(outdir, "handmade_pad_maxpool_opset13", 13,
                            [helper.make_node("Pad", ["input", "pads"], ["padded"]),
                             helper.make_node("MaxPool", ["padded"], ["output"], kernel_shape=[2, 2])],
                            [("pads", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64))], x,
                            extra={"expect_error": "can only be folded"}))
    # Two graph inputs.
    from onnx import TensorProto
    graph = helper.make_graph([helper.make_node("Add", ["input", "other"], ["output"])], "two_inputs",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 2, 3, 4]),
                               helper.make_tensor_value_info("other", TensorProto.FLOAT, ["N", 2, 3, 4])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 2, 3, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.save(model, os.path.join(outdir, "handmade_two_inputs_opset13.onnx"))
    entries.append({"name": "handmade_two_inputs_opset13", "file": "handmade_two_inputs_opset13.onnx", "opset": 13,
                    "expect_error": "more than one graph input"})
    return entries


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    reference = {"presets": {}, "exports": []}

    for name, (shape, outputs) in REFERENCE.items():
        model = make_preset(name, shape, outputs).eval()
        with torch.no_grad():
            y = model(torch.zeros(1, *shape))
        buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))
        reference["presets"][name] = {
            "input_shape": shape,
            "outputs": outputs,
            "parameters": sum(p.numel() for p in model.parameters()),
            "buffers": buffers,
            "output_shape": list(y.shape[1:]),
            "parameter_shapes": sorted(list(p.shape) for p in model.parameters()),
        }

    # PyTorch's default initialisation bounds, from torch's own init helpers.
    reference["init"] = []
    for kind, layer in (("conv", nn.Conv2d(32, 64, 3)), ("conv_transpose", nn.ConvTranspose2d(64, 16, 2)),
                        ("conv3d", nn.Conv3d(4, 8, 3)), ("dense", nn.Linear(300, 50))):
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
        gain = nn.init.calculate_gain("leaky_relu", math.sqrt(5))
        reference["init"].append({"kind": kind, "weight_shape": list(layer.weight.shape),
                                  "weight_bound": gain * math.sqrt(3.0 / fan_in), "bias_bound": 1.0 / math.sqrt(fan_in)})

    exports = reference["exports"]
    for name, (shape, outputs) in EXPORT.items():
        for opset in (11, 13, 17):
            torch.manual_seed(opset)
            model = make_preset(name, shape, outputs)
            randomize_statistics(model)
            exports.append(export(outdir, f"{name}_opset{opset}", model, shape, opset, dynamic=opset != 11,
                                  extra={"preset": name, "outputs": outputs}))
    # Inference export: PyTorch folds BatchNorm into the convolutions.
    model = make_preset("segnet-small", EXPORT["segnet-small"][0], 3)
    randomize_statistics(model)
    exports.append(export(outdir, "segnet-small_fused_opset13", model, EXPORT["segnet-small"][0], 13,
                          training=torch.onnx.TrainingMode.EVAL, expected_weights=[],
                          extra={"expect_ops": ["Conv", "Relu", "MaxPool", "Conv", "Relu", "ConvTranspose", "Concat",
                                                "Conv", "Relu", "Conv"]}))

    single = [
        ("softmax_channels", SoftmaxChannels(), [3, 6, 5], {"expect_ops": ["Conv", "Softmax"]}),
        ("upsample_nearest3", Upsample("nearest", 3), [3, 4, 5],
         {"expect_ops": ["Conv", "Resize"], "expect_attributes": {"Resize": {"mode": "nearest", "nv_scale": 3}}}),
        ("upsample_bilinear", Upsample("bilinear", 2), [3, 4, 5],
         {"expect_ops": ["Conv", "Resize"], "expect_attributes": {"Resize": {"mode": "linear", "nv_scale": 2}}}),
        ("upsample_size", UpsampleToSize(), [3, 4, 5],
         {"expect_ops": ["Conv", "Resize"], "expect_attributes": {"Resize": {"mode": "nearest", "nv_scale": 2}}}),
        ("pad_conv", PadConv(), [3, 6, 7],
         {"expect_ops": ["Conv"], "expect_attributes": {"Conv": {"pads": [2, 1, 2, 1]}}}),
        ("avgpool_pad", AvgPoolPad(), [3, 6, 7],
         {"expect_ops": ["Conv", "AveragePool"],
          "expect_attributes": {"AveragePool": {"pads": [1, 1, 1, 1], "count_include_pad": 1}}}),
        ("activations", Activations(), [3, 5, 5], {"expect_ops": ["Conv", "LeakyRelu", "Sigmoid", "Tanh"],
                                                    "expect_attributes": {"LeakyRelu": {"alpha": 0.2}}}),
        ("residual", Residual(), [3, 5, 6], {"expect_ops": ["Conv", "Relu", "Conv", "Add", "Concat"]}),
        ("conv_variants", ConvVariants(), [4, 9, 8],
         {"expect_ops": ["Conv", "Conv", "ConvTranspose"],
          "expect_attributes": {"ConvTranspose": {"output_padding": [1, 1], "strides": [2, 2]}}}),
        ("sin", Sin(), [3, 4, 4], {"expect_error": "Sin"}),
        ("maxpool_ceil", CeilPool(), [3, 5, 5], {"expect_error": "ceil_mode"}),
    ]
    for stem, model, shape, expectations in single:
        for opset in (11, 13, 17):
            torch.manual_seed(opset)
            exports.append(export(outdir, f"{stem}_opset{opset}", model, shape, opset, extra=expectations))

    features, units = 3 * 4 * 5, 6
    model = MatMulLinear(features, units)
    exports.append(export(outdir, "matmul_linear_opset13", model, [3, 4, 5], 13,
                          expected_weights=[("w", model.w.detach().numpy().T), ("b", model.b.detach().numpy())],
                          extra={"expect_ops": ["Flatten", "Gemm"]}))
    for opset in (11, 13):
        torch.manual_seed(opset)
        model = ConvDropout()
        exports.append(export(outdir, f"dropout_training_opset{opset}", model, [3, 4, 4], opset,
                              training=torch.onnx.TrainingMode.TRAINING,
                              extra={"expect_ops": ["Conv", "Dropout"],
                                     "expect_attributes": {"Dropout": {"ratio": 0.3}}, "random_output": True}))

    exports += handmade_models(outdir)

    with open(os.path.join(outdir, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
    print(f"wrote {len(exports)} exports and {len(reference['presets'])} preset references to {outdir}")


if __name__ == "__main__":
    main()

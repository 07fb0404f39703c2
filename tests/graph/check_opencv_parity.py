#!/usr/bin/env python3
"""OpenCV's dnn module runs NeuralView's saved ONNX files like nv::Network.

For every <model>.onnx in FOLDER with <model>.input.bin, <model>.nv_output.bin
and <model>.shapes.json (written by graph_write_network_outputs), runs the
model with cv2.dnn.readNetFromONNX and compares: the largest difference must
stay below 1e-4 of the output's magnitude (float32 summation order differs).

OpenCV 4.6 implements neither 3-D transposed convolution nor 3-D global
average pooling; the models that need them are listed below and skipped
(if OpenCV can run them after all, they are compared too).

Usage: check_opencv_parity.py FOLDER
"""
import glob
import json
import os
import sys

import cv2
import numpy as np

OPENCV_4_6_CANNOT_RUN = {
    "autoencoder3d": "3-D ConvTranspose",
    "regressor-small": "3-D GlobalAveragePool",
}


def main():
    folder = sys.argv[1]
    passed = failed = skipped = 0
    for model in sorted(glob.glob(os.path.join(folder, "*.onnx"))):
        stem = model[:-len(".onnx")]
        name = os.path.basename(stem)
        shapes = json.load(open(stem + ".shapes.json"))
        x = np.fromfile(stem + ".input.bin", dtype="<f4").reshape(shapes["input"])
        expected = np.fromfile(stem + ".nv_output.bin", dtype="<f4").reshape(shapes["output"])
        try:
            net = cv2.dnn.readNetFromONNX(model)
            net.setInput(x)
            actual = net.forward()
        except cv2.error as e:
            if name in OPENCV_4_6_CANNOT_RUN:
                skipped += 1
                print(f"skip {name}: OpenCV 4.6 lacks {OPENCV_4_6_CANNOT_RUN[name]}")
                continue
            failed += 1
            print(f"FAIL {name}: OpenCV cannot run it: {str(e).strip().splitlines()[-1]}")
            continue
        actual = actual.reshape(expected.shape)
        difference = float(np.max(np.abs(actual - expected)) / max(float(np.max(np.abs(expected))), 1e-6))
        if difference <= 1e-4:
            passed += 1
            print(f"ok   {name}: relative difference {difference:.2e}")
        else:
            failed += 1
            print(f"FAIL {name}: relative difference {difference:.2e}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

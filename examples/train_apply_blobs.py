"""Train a segmentation network on a time series and apply it to a new field, in ten lines.

    pvbatch examples/train_apply_blobs.py [OUTPUT_DIR]
"""
import os, sys  # noqa: E401
from paraview.simple import *  # noqa: F401,F403
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")); import neuralview_plugin; neuralview_plugin.load(globals())  # noqa: E501,E702
out = sys.argv[1] if len(sys.argv) > 1 else "."
fields = GaussianBlobs(Dimensions=[48, 48, 1], NumberOfTimeSteps=40, Seed=1, NumberOfBlobs=4)
train = TrainNetwork(Input=fields, InputArrays=["Intensity"], LabelArray="BlobLabel", Epochs=8, ModelFile=os.path.join(out, "blobs.onnx"))
train.UpdatePipeline()
result = ApplyNetwork(Input=GaussianBlobs(Dimensions=[128, 128, 1], Seed=99, NumberOfBlobs=12, BlobRadius=0.05), ModelFile=os.path.join(out, "blobs.onnx"))
ColorBy(Show(result), ("POINTS", "Probability_class1")); ResetCamera(); SaveScreenshot(os.path.join(out, "segmented.png"), ImageResolution=[600, 600])  # noqa: E702

"""Exit 0 when two ONNX files hold the same weights within 1e-4 relative (per tensor, to its largest value)."""
import sys

import numpy
import onnx
from onnx import numpy_helper

a, b = (onnx.load(p) for p in sys.argv[1:3])
wa = {i.name: numpy_helper.to_array(i) for i in a.graph.initializer}
wb = {i.name: numpy_helper.to_array(i) for i in b.graph.initializer}
if wa.keys() != wb.keys():
    sys.exit("different weight names: %s vs %s" % (sorted(wa), sorted(wb)))
worst = max(float(numpy.abs(wa[k] - wb[k]).max() / max(numpy.abs(wa[k]).max(), 1e-12)) for k in wa)
print("max relative weight difference: %.3g" % worst)
sys.exit(0 if worst < 1e-4 else 1)

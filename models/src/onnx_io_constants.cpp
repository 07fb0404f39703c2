// Constant tensors of ONNX files: conversion from and to TensorProto, and the
// load-time evaluation of the small constant sub-graphs exporters emit
// (shape arithmetic for Reshape, pads for Pad, scales for Resize).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "onnx_io_internal.h"

namespace nv::onnx_detail {

namespace {

bool host_is_little_endian() {
  const uint16_t probe = 1;
  unsigned char first = 0;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

// Copies `count` little-endian values of `bytes_per_value` bytes into `out`.
void copy_little_endian(const std::string& raw, size_t bytes_per_value, void* out) {
  std::memcpy(out, raw.data(), raw.size());
  if (host_is_little_endian()) return;
  auto* bytes = static_cast<unsigned char*>(out);
  for (size_t offset = 0; offset + bytes_per_value <= raw.size(); offset += bytes_per_value)
    std::reverse(bytes + offset, bytes + offset + bytes_per_value);
}

[[noreturn]] void invalid_model(const std::string& context, const std::string& problem) {
  throw std::runtime_error("not a valid ONNX model: " + context + ": " + problem);
}

[[noreturn]] void bad_node(const onnx::NodeProto& node, const std::string& problem) {
  throw std::invalid_argument(describe_node(node) + ": " + problem);
}

Shape row_major_strides(const Shape& dims) {
  Shape strides(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return strides;
}

int64_t checked_count(const Shape& dims, const std::string& context) {
  try {
    return element_count(dims);
  } catch (const std::invalid_argument& e) {
    invalid_model(context, e.what());
  }
}

// A tensor built from the elements of `source` at the given flat indices.
ConstTensor take(const ConstTensor& source, Shape dims, const std::vector<int64_t>& indices) {
  ConstTensor out;
  out.kind = source.kind;
  out.dims = std::move(dims);
  if (source.kind == ConstTensor::Kind::real)
    for (int64_t i : indices) out.reals.push_back(source.reals.at(size_t(i)));
  else
    for (int64_t i : indices) out.ints.push_back(source.ints.at(size_t(i)));
  return out;
}

// Visits every multi-index of `dims` in row-major order.
template <typename Visit>
void for_each_index(const Shape& dims, Visit visit) {
  const int64_t count = element_count(dims);
  std::vector<int64_t> index(dims.size(), 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    visit(index);
    for (size_t axis = dims.size(); axis-- > 0;) {
      if (++index[axis] < dims[axis]) break;
      index[axis] = 0;
    }
  }
}

int64_t normalized_axis(const onnx::NodeProto& node, int64_t axis, size_t rank, bool allow_end = false) {
  const int64_t r = int64_t(rank) + (allow_end ? 1 : 0);
  if (axis < -r || axis >= r) bad_node(node, "axis " + std::to_string(axis) + " is out of range");
  return axis < 0 ? axis + r : axis;
}

std::vector<int64_t> int_values(const onnx::NodeProto& node, const ConstTensor* t, const std::string& what) {
  if (!t) bad_node(node, "missing input '" + what + "'");
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t->size(); ++i) v.push_back(t->as_int(i));
  for (int64_t x : v)
    if (x == kUnknown) bad_node(node, "'" + what + "' depends on the batch size");
  return v;
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t int_attribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->i() : fallback;
}

std::vector<int64_t> ints_attribute(const onnx::NodeProto& node, const std::string& name) {
  const auto* a = find_attribute(node, name);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
}

ConstTensor scalar_real(float v) {
  ConstTensor t;
  t.reals = {v};
  return t;
}

ConstTensor ints_tensor(std::vector<int64_t> v, bool scalar = false) {
  ConstTensor t;
  t.kind = ConstTensor::Kind::integer;
  t.dims = scalar ? Shape{} : Shape{int64_t(v.size())};
  t.ints = std::move(v);
  return t;
}

ConstTensor constant_node_value(const onnx::NodeProto& node) {
  if (const auto* a = find_attribute(node, "value")) return const_from_proto(a->t(), describe_node(node));
  if (const auto* a = find_attribute(node, "value_float")) return scalar_real(a->f());
  if (const auto* a = find_attribute(node, "value_floats")) {
    ConstTensor t;
    t.reals.assign(a->floats().begin(), a->floats().end());
    t.dims = {int64_t(t.reals.size())};
    return t;
  }
  if (const auto* a = find_attribute(node, "value_int")) return ints_tensor({a->i()}, true);
  if (const auto* a = find_attribute(node, "value_ints")) return ints_tensor({a->ints().begin(), a->ints().end()});
  bad_node(node, "only tensor, float and integer constants are supported");
}

ConstTensor cast(const ConstTensor& in, ConstTensor::Kind kind) {
  if (in.kind == kind) return in;
  ConstTensor out;
  out.kind = kind;
  out.dims = in.dims;
  for (int64_t i = 0; i < in.size(); ++i) {
    if (kind == ConstTensor::Kind::real)
      out.reals.push_back(in.ints[size_t(i)] == kUnknown ? std::nanf("") : float(in.ints[size_t(i)]));
    else
      out.ints.push_back(in.as_int(i));
  }
  return out;
}

ConstTensor::Kind kind_of_element_type(const onnx::NodeProto& node, int64_t type) {
  switch (type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::FLOAT16:
      return ConstTensor::Kind::real;
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL:
      return ConstTensor::Kind::integer;
    default:
      bad_node(node, "unsupported element type " + std::to_string(type));
  }
}

ConstTensor broadcast_binary(const onnx::NodeProto& node, const ConstTensor& a_in, const ConstTensor& b_in) {
  const bool integer = a_in.kind == ConstTensor::Kind::integer && b_in.kind == ConstTensor::Kind::integer;
  const ConstTensor a = cast(a_in, integer ? ConstTensor::Kind::integer : ConstTensor::Kind::real);
  const ConstTensor b = cast(b_in, a.kind);
  const size_t rank = std::max(a.dims.size(), b.dims.size());
  auto padded = [rank](const Shape& d) {
    Shape p(rank - d.size(), 1);
    p.insert(p.end(), d.begin(), d.end());
    return p;
  };
  const Shape da = padded(a.dims), db = padded(b.dims);
  Shape dims(rank);
  for (size_t i = 0; i < rank; ++i) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1)
      bad_node(node, "cannot broadcast " + shape_to_string(a.dims) + " with " + shape_to_string(b.dims));
    dims[i] = std::max(da[i], db[i]);
  }
  const Shape sa = row_major_strides(da), sb = row_major_strides(db);
  const std::string& op = node.op_type();
  ConstTensor out;
  out.kind = a.kind;
  out.dims = dims;
  for_each_index(dims, [&](const std::vector<int64_t>& index) {
    int64_t ia = 0, ib = 0;
    for (size_t k = 0; k < rank; ++k) {
      ia += (da[k] == 1 ? 0 : index[k]) * sa[k];
      ib += (db[k] == 1 ? 0 : index[k]) * sb[k];
    }
    if (integer) {
      const int64_t x = a.ints[size_t(ia)], y = b.ints[size_t(ib)];
      if (x == kUnknown || y == kUnknown) return out.ints.push_back(kUnknown);
      if (op == "Add") return out.ints.push_back(x + y);
      if (op == "Sub") return out.ints.push_back(x - y);
      if (op == "Mul") return out.ints.push_back(x * y);
      if (y == 0) bad_node(node, "division by zero");
      return out.ints.push_back(x / y);
    }
    const double x = a.reals[size_t(ia)], y = b.reals[size_t(ib)];
    const double r = op == "Add" ? x + y : op == "Sub" ? x - y : op == "Mul" ? x * y : x / y;
    out.reals.push_back(float(r));
  });
  return out;
}

ConstTensor gather(const onnx::NodeProto& node, const ConstTensor& data, const ConstTensor& indices_tensor) {
  const int64_t axis = normalized_axis(node, int_attribute(node, "axis", 0), data.dims.size());
  std::vector<int64_t> indices = int_values(node, &indices_tensor, "indices");
  for (int64_t& i : indices) {
    if (i < 0) i += data.dims[size_t(axis)];
    if (i < 0 || i >= data.dims[size_t(axis)]) bad_node(node, "index out of range");
  }
  Shape dims(data.dims.begin(), data.dims.begin() + axis);
  dims.insert(dims.end(), indices_tensor.dims.begin(), indices_tensor.dims.end());
  dims.insert(dims.end(), data.dims.begin() + axis + 1, data.dims.end());
  const Shape strides = row_major_strides(data.dims);
  const size_t index_rank = indices_tensor.dims.size();
  const Shape index_strides = row_major_strides(indices_tensor.dims);
  std::vector<int64_t> flat;
  for_each_index(dims, [&](const std::vector<int64_t>& o) {
    int64_t src = 0, which = 0;
    for (int64_t k = 0; k < axis; ++k) src += o[size_t(k)] * strides[size_t(k)];
    for (size_t k = 0; k < index_rank; ++k) which += o[size_t(axis) + k] * index_strides[k];
    src += indices[size_t(which)] * strides[size_t(axis)];
    for (size_t k = size_t(axis) + 1; k < data.dims.size(); ++k) src += o[k - 1 + index_rank] * strides[k];
    flat.push_back(src);
  });
  return take(data, dims, flat);
}

ConstTensor slice(const onnx::NodeProto& node, int64_t opset, const std::vector<const ConstTensor*>& in) {
  const ConstTensor& data = *in.at(0);
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset < 10) {
    starts = ints_attribute(node, "starts");
    ends = ints_attribute(node, "ends");
    axes = ints_attribute(node, "axes");
  } else {
    starts = int_values(node, in.size() > 1 ? in[1] : nullptr, "starts");
    ends = int_values(node, in.size() > 2 ? in[2] : nullptr, "ends");
    if (in.size() > 3 && in[3]) axes = int_values(node, in[3], "axes");
    if (in.size() > 4 && in[4]) steps = int_values(node, in[4], "steps");
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    bad_node(node, "starts, ends, axes and steps differ in length");
  const size_t rank = data.dims.size();
  std::vector<int64_t> begin(rank, 0), step(rank, 1);
  Shape dims = data.dims;
  for (size_t i = 0; i < starts.size(); ++i) {
    const size_t axis = size_t(normalized_axis(node, axes[i], rank));
    const int64_t extent = data.dims[axis];
    if (steps[i] == 0) bad_node(node, "a step must not be zero");
    int64_t s = starts[i] < 0 ? starts[i] + extent : starts[i];
    int64_t e = ends[i] < 0 ? std::max<int64_t>(ends[i], -extent - 1) + extent : ends[i];
    if (steps[i] > 0) {
      s = std::clamp<int64_t>(s, 0, extent);
      e = std::clamp<int64_t>(e, 0, extent);
      dims[axis] = e > s ? (e - s + steps[i] - 1) / steps[i] : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, extent - 1);
      e = std::clamp<int64_t>(e, -1, extent - 1);
      dims[axis] = s > e ? (s - e - steps[i] - 1) / -steps[i] : 0;
    }
    begin[axis] = s;
    step[axis] = steps[i];
  }
  const Shape strides = row_major_strides(data.dims);
  std::vector<int64_t> flat;
  for_each_index(dims, [&](const std::vector<int64_t>& o) {
    int64_t src = 0;
    for (size_t k = 0; k < rank; ++k) src += (begin[k] + o[k] * step[k]) * strides[k];
    flat.push_back(src);
  });
  return take(data, dims, flat);
}

ConstTensor transpose(const onnx::NodeProto& node, const ConstTensor& data) {
  const size_t rank = data.dims.size();
  std::vector<int64_t> perm = ints_attribute(node, "perm");
  if (perm.empty())
    for (size_t i = rank; i-- > 0;) perm.push_back(int64_t(i));
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted.size() != rank || sorted[i] != int64_t(i)) bad_node(node, "perm is not a permutation");
  Shape dims(rank);
  for (size_t k = 0; k < rank; ++k) dims[k] = data.dims[size_t(perm[k])];
  const Shape strides = row_major_strides(data.dims);
  std::vector<int64_t> flat;
  for_each_index(dims, [&](const std::vector<int64_t>& o) {
    int64_t src = 0;
    for (size_t k = 0; k < rank; ++k) src += o[k] * strides[size_t(perm[k])];
    flat.push_back(src);
  });
  return take(data, dims, flat);
}

ConstTensor concat(const onnx::NodeProto& node, const std::vector<const ConstTensor*>& in) {
  if (in.empty() || !in[0]) bad_node(node, "needs inputs");
  const bool integer = std::all_of(in.begin(), in.end(),
                                   [](const ConstTensor* t) { return t && t->kind == ConstTensor::Kind::integer; });
  const auto kind = integer ? ConstTensor::Kind::integer : ConstTensor::Kind::real;
  const size_t rank = in[0]->dims.size();
  const int64_t axis = normalized_axis(node, int_attribute(node, "axis", 0), rank);
  // Concatenate the flat data of all inputs, then pick elements in output order.
  ConstTensor all;
  all.kind = kind;
  std::vector<int64_t> offsets;
  Shape dims = in[0]->dims;
  dims[size_t(axis)] = 0;
  for (const ConstTensor* t : in) {
    if (!t || t->dims.size() != rank) bad_node(node, "inputs differ in rank");
    for (size_t k = 0; k < rank; ++k)
      if (int64_t(k) != axis && t->dims[k] != in[0]->dims[k]) bad_node(node, "inputs differ in shape");
    offsets.push_back(all.size());
    const ConstTensor c = cast(*t, kind);
    all.reals.insert(all.reals.end(), c.reals.begin(), c.reals.end());
    all.ints.insert(all.ints.end(), c.ints.begin(), c.ints.end());
    dims[size_t(axis)] += t->dims[size_t(axis)];
  }
  std::vector<int64_t> flat;
  for_each_index(dims, [&](const std::vector<int64_t>& o) {
    size_t which = 0;
    int64_t along = o[size_t(axis)];
    while (along >= in[which]->dims[size_t(axis)]) along -= in[which++]->dims[size_t(axis)];
    const Shape strides = row_major_strides(in[which]->dims);
    int64_t src = offsets[which];
    for (size_t k = 0; k < rank; ++k) src += (int64_t(k) == axis ? along : o[k]) * strides[k];
    flat.push_back(src);
  });
  return take(all, dims, flat);
}

ConstTensor reshape(const onnx::NodeProto& node, const ConstTensor& data, const std::vector<int64_t>& target) {
  const bool allow_zero = int_attribute(node, "allowzero", 0) != 0;
  Shape dims;
  int64_t infer_at = -1, known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && !allow_zero) {
      if (i >= data.dims.size()) bad_node(node, "0 refers to a missing input axis");
      d = data.dims[i];
    }
    if (d == -1) {
      if (infer_at >= 0) bad_node(node, "more than one -1 in the target shape");
      infer_at = int64_t(i);
      d = 1;
    } else if (d < 0) {
      bad_node(node, "negative target dimension");
    }
    known *= d;
    dims.push_back(d);
  }
  if (infer_at >= 0) {
    if (known == 0 || data.size() % known != 0) bad_node(node, "cannot infer the -1 dimension");
    dims[size_t(infer_at)] = data.size() / known;
  }
  if (element_count(dims) != data.size()) bad_node(node, "the target shape changes the element count");
  ConstTensor out = data;
  out.dims = dims;
  return out;
}

ConstTensor unsqueeze(const onnx::NodeProto& node, int64_t opset, const std::vector<const ConstTensor*>& in) {
  const ConstTensor& data = *in.at(0);
  std::vector<int64_t> axes =
      opset < 13 ? ints_attribute(node, "axes") : int_values(node, in.size() > 1 ? in[1] : nullptr, "axes");
  const size_t rank = data.dims.size() + axes.size();
  for (int64_t& a : axes) a = normalized_axis(node, a, rank);
  std::sort(axes.begin(), axes.end());
  Shape dims = data.dims;
  for (int64_t a : axes) {
    if (size_t(a) > dims.size()) bad_node(node, "axis out of range");
    dims.insert(dims.begin() + a, 1);
  }
  ConstTensor out = data;
  out.dims = dims;
  return out;
}

ConstTensor squeeze(const onnx::NodeProto& node, int64_t opset, const std::vector<const ConstTensor*>& in) {
  const ConstTensor& data = *in.at(0);
  std::vector<int64_t> axes;
  if (opset < 13)
    axes = ints_attribute(node, "axes");
  else if (in.size() > 1 && in[1])
    axes = int_values(node, in[1], "axes");
  for (int64_t& a : axes) a = normalized_axis(node, a, data.dims.size());
  Shape dims;
  for (size_t k = 0; k < data.dims.size(); ++k) {
    const bool listed = std::find(axes.begin(), axes.end(), int64_t(k)) != axes.end();
    if (listed && data.dims[k] != 1) bad_node(node, "cannot squeeze an axis of extent " + std::to_string(data.dims[k]));
    if (listed || (axes.empty() && data.dims[k] == 1)) continue;
    dims.push_back(data.dims[k]);
  }
  ConstTensor out = data;
  out.dims = dims;
  return out;
}

ConstTensor constant_of_shape(const onnx::NodeProto& node, const ConstTensor& shape) {
  const std::vector<int64_t> dims = int_values(node, &shape, "shape");
  ConstTensor value = scalar_real(0.0f);
  if (const auto* a = find_attribute(node, "value")) value = const_from_proto(a->t(), describe_node(node));
  if (value.size() != 1) bad_node(node, "value must hold one element");
  ConstTensor out;
  out.kind = value.kind;
  out.dims = dims;
  const int64_t count = element_count(dims);
  if (count > (int64_t(1) << 24)) bad_node(node, "the constant is too large to evaluate at load time");
  if (value.kind == ConstTensor::Kind::real)
    out.reals.assign(size_t(count), value.reals[0]);
  else
    out.ints.assign(size_t(count), value.ints[0]);
  return out;
}

}  // namespace

std::string describe_node(const onnx::NodeProto& node) { return "node '" + node.name() + "' (" + node.op_type() + ")"; }

double ConstTensor::as_double(int64_t i) const {
  if (kind == Kind::real) return reals.at(size_t(i));
  const int64_t v = ints.at(size_t(i));
  return v == kUnknown ? std::nan("") : double(v);
}

int64_t ConstTensor::as_int(int64_t i) const {
  if (kind == Kind::integer) return ints.at(size_t(i));
  const float v = reals.at(size_t(i));
  return std::isfinite(v) ? int64_t(v) : kUnknown;
}

double float_to_double_shortest(float value) {
  if (!std::isfinite(value)) return double(value);
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  *result.ptr = '\0';
  return std::strtod(buffer, nullptr);
}

ConstTensor const_from_proto(const onnx::TensorProto& proto, const std::string& context) {
  const std::string where = context + ", tensor '" + proto.name() + "'";
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw std::invalid_argument(where + ": tensors stored in external data files are not supported");
  ConstTensor t;
  for (int64_t d : proto.dims()) {
    if (d < 0) invalid_model(where, "negative dimension");
    t.dims.push_back(d);
  }
  const int64_t count = checked_count(t.dims, where);
  const bool raw = proto.has_raw_data();
  auto require_count = [&](int64_t available) {
    if (available != count)
      invalid_model(where, "holds " + std::to_string(available) + " values for shape " + shape_to_string(t.dims));
  };
  auto require_raw = [&](size_t bytes) {
    if (proto.raw_data().size() != size_t(count) * bytes)
      invalid_model(where, "has " + std::to_string(proto.raw_data().size()) + " bytes of data for shape " +
                               shape_to_string(t.dims));
  };
  switch (proto.data_type()) {
    case onnx::TensorProto::FLOAT:
      t.kind = ConstTensor::Kind::real;
      if (raw) {
        require_raw(4);
        t.reals.resize(size_t(count));
        copy_little_endian(proto.raw_data(), 4, t.reals.data());
      } else {
        require_count(proto.float_data_size());
        t.reals.assign(proto.float_data().begin(), proto.float_data().end());
      }
      return t;
    case onnx::TensorProto::DOUBLE: {
      t.kind = ConstTensor::Kind::real;
      std::vector<double> values;
      if (raw) {
        require_raw(8);
        values.resize(size_t(count));
        copy_little_endian(proto.raw_data(), 8, values.data());
      } else {
        require_count(proto.double_data_size());
        values.assign(proto.double_data().begin(), proto.double_data().end());
      }
      t.reals.assign(values.begin(), values.end());
      return t;
    }
    case onnx::TensorProto::INT64:
      t.kind = ConstTensor::Kind::integer;
      if (raw) {
        require_raw(8);
        t.ints.resize(size_t(count));
        copy_little_endian(proto.raw_data(), 8, t.ints.data());
      } else {
        require_count(proto.int64_data_size());
        t.ints.assign(proto.int64_data().begin(), proto.int64_data().end());
      }
      return t;
    case onnx::TensorProto::INT32: {
      t.kind = ConstTensor::Kind::integer;
      if (raw) {
        require_raw(4);
        std::vector<int32_t> values(static_cast<size_t>(count));
        copy_little_endian(proto.raw_data(), 4, values.data());
        t.ints.assign(values.begin(), values.end());
      } else {
        require_count(proto.int32_data_size());
        t.ints.assign(proto.int32_data().begin(), proto.int32_data().end());
      }
      return t;
    }
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL:
      t.kind = ConstTensor::Kind::integer;
      if (raw) {
        require_raw(1);
        for (unsigned char c : proto.raw_data())
          t.ints.push_back(proto.data_type() == onnx::TensorProto::INT8 ? int64_t(static_cast<signed char>(c))
                                                                        : int64_t(c));
      } else {
        require_count(proto.int32_data_size());
        t.ints.assign(proto.int32_data().begin(), proto.int32_data().end());
      }
      return t;
    default:
      throw std::invalid_argument(where + ": unsupported element type " + std::to_string(proto.data_type()) +
                                  " (float, double and integer tensors are supported)");
  }
}

void tensor_to_proto(const std::string& name, const Tensor& tensor, onnx::TensorProto& proto) {
  proto.set_name(name);
  proto.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : tensor.shape()) proto.add_dims(d);
  std::string raw(size_t(tensor.size()) * sizeof(float), '\0');
  std::memcpy(raw.data(), tensor.data(), raw.size());
  if (!host_is_little_endian())
    for (size_t offset = 0; offset < raw.size(); offset += 4)
      std::reverse(raw.begin() + offset, raw.begin() + offset + 4);
  proto.set_raw_data(std::move(raw));
}

bool evaluate_constant_node(const onnx::NodeProto& node, int64_t opset, const std::vector<const ConstTensor*>& in,
                            std::vector<ConstTensor>& out) {
  const std::string& op = node.op_type();
  auto first = [&]() -> const ConstTensor& {
    if (in.empty() || !in[0]) bad_node(node, "missing input");
    return *in[0];
  };
  out.clear();
  if (op == "Constant") {
    out.push_back(constant_node_value(node));
  } else if (op == "Identity") {
    out.push_back(first());
  } else if (op == "Cast") {
    out.push_back(cast(first(), kind_of_element_type(node, int_attribute(node, "to", onnx::TensorProto::FLOAT))));
  } else if (op == "Shape") {
    const Shape& dims = first().dims;
    const int64_t rank = int64_t(dims.size());
    int64_t start = int_attribute(node, "start", 0), end = int_attribute(node, "end", rank);
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
    out.push_back(ints_tensor(std::vector<int64_t>(dims.begin() + start, dims.begin() + std::max(start, end))));
  } else if (op == "ConstantOfShape") {
    out.push_back(constant_of_shape(node, first()));
  } else if (op == "Gather") {
    if (in.size() < 2 || !in[1]) bad_node(node, "missing indices");
    out.push_back(gather(node, first(), *in[1]));
  } else if (op == "Unsqueeze") {
    out.push_back(unsqueeze(node, opset, {&first(), in.size() > 1 ? in[1] : nullptr}));
  } else if (op == "Squeeze") {
    out.push_back(squeeze(node, opset, {&first(), in.size() > 1 ? in[1] : nullptr}));
  } else if (op == "Concat") {
    out.push_back(concat(node, in));
  } else if (op == "Reshape") {
    out.push_back(reshape(node, first(), int_values(node, in.size() > 1 ? in[1] : nullptr, "shape")));
  } else if (op == "Slice") {
    first();
    out.push_back(slice(node, opset, in));
  } else if (op == "Transpose") {
    out.push_back(transpose(node, first()));
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    if (in.size() != 2 || !in[0] || !in[1]) bad_node(node, "needs two inputs");
    out.push_back(broadcast_binary(node, *in[0], *in[1]));
  } else if (op == "Floor" || op == "Ceil" || op == "Neg") {
    ConstTensor t = first();
    if (t.kind == ConstTensor::Kind::integer) {
      if (op == "Neg")
        for (int64_t& v : t.ints) v = v == kUnknown ? kUnknown : -v;
    } else {
      for (float& v : t.reals) v = op == "Floor" ? std::floor(v) : op == "Ceil" ? std::ceil(v) : -v;
    }
    out.push_back(std::move(t));
  } else {
    return false;
  }
  return true;
}

}  // namespace nv::onnx_detail

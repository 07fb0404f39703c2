// Where a rank's piece of a structured field lies, without ghost layers, and
// the halo a network needs around it so that its values on the piece equal
// one pass over the whole field.
#pragma once

#include <cstdint>

class vtkImageData;
class vtkInformation;

namespace nv {

// The extent of the piece this request asks for, without ghost layers.
// ParaView splits image data by piece number in the source's executive, so a
// filter's own update extent is usually the whole extent; the piece is then
// where the executive's block split puts it. `requested` is the update
// extent the filter saw downstream (nullptr if none). Returns false when
// the request is not split into pieces or has no whole extent.
bool piece_extent_without_ghosts(vtkInformation* output_request, vtkInformation* input_information,
                                 const int* requested, int piece[6]);

// UPDATE_NUMBER_OF_PIECES of a request (1 when absent).
int number_of_pieces(vtkInformation* request);

// For RequestUpdateExtent of a filter that runs a network on its piece plus
// a halo: asks the input for `ghosts` more ghost levels than downstream
// asked for and, for a split request, grows the update extent by as much
// along every axis the field extends in. The output's update extent (the
// piece downstream asked for) is copied to `requested`, since by RequestData
// it may have been overwritten with the grown one; returns whether it was.
bool request_halo(vtkInformation* output_request, vtkInformation* input_information, int ghosts, int requested[6]);

// One axis of the window a network runs on (indices from the whole field's
// first value, end exclusive).
struct AxisWindow {
  int64_t begin = 0;
  int64_t end = 0;
};

// The window around the values [need_begin, need_end) of an axis of
// `whole` values in which a network of the given downsampling (alignment)
// and receptive radius computes them as a whole-field pass does: reaching
// `radius` past them, starting on a multiple of `alignment` (so every
// pooling grid stays the whole field's), ending on one or at the field's end.
AxisWindow aligned_window(int64_t whole, int64_t need_begin, int64_t need_end, int64_t alignment, int64_t radius);

// `output` becomes the part `extent` (inside the input's extent) of `input`:
// the same geometry, point and cell arrays copied row by row (active
// attributes kept), field data shared. vtkImageData::Crop does the same one
// tuple at a time, which took seconds for a piece of a few million points.
void crop_image(vtkImageData* input, const int extent[6], vtkImageData* output);

}  // namespace nv

// Turning VTK arrays into the channels of a tensor and back.
//
// Every filter of the plugin reads its inputs this way: the selected point or
// cell arrays become channels in the order the user picked them; an array
// with several components contributes one channel per component.
#ifndef nvArrayChannels_h
#define nvArrayChannels_h

#include <string>
#include <vector>

#include "vtkSmartPointer.h"

class vtkDataSet;
class vtkFloatArray;

namespace nv {

struct ArrayChannels {
  int association = -1;  // vtkDataObject::FIELD_ASSOCIATION_POINTS or _CELLS
  size_t tuples = 0;
  std::vector<std::string> channel_names;  // "T" or "V_0", "V_1", ... for multi-component arrays
  std::vector<float> interleaved;          // tuples x channels
};

// Throws std::invalid_argument naming the array that is missing, or the one
// whose association (point/cell) differs from the first array's. An empty
// dataset (no points and no cells) yields zero tuples and no error, because
// ranks may own empty pieces.
ArrayChannels extract_channels(vtkDataSet* data, const std::vector<std::string>& array_names);

// A float array with `channels` components built from planar (channels-first)
// values; components are named after the channels.
vtkSmartPointer<vtkFloatArray> make_interleaved_array(const std::string& name, const float* planar, size_t tuples,
                                                      const std::vector<std::string>& channel_names);

}  // namespace nv

#endif

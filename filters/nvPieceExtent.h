// Where a rank's piece of a structured field lies, without ghost layers.
#pragma once

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

}  // namespace nv

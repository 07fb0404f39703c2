#include "nvPieceExtent.h"

#include <algorithm>

#include "vtkExtentTranslator.h"
#include "vtkInformation.h"
#include "vtkNew.h"
#include "vtkStreamingDemandDrivenPipeline.h"

namespace nv {

bool piece_extent_without_ghosts(vtkInformation* output_request, vtkInformation* input_information,
                                 const int* requested, int piece[6]) {
  using SDDP = vtkStreamingDemandDrivenPipeline;
  const int pieces = number_of_pieces(output_request);
  if (pieces <= 1 || !input_information->Has(SDDP::WHOLE_EXTENT())) return false;
  int whole[6];
  input_information->Get(SDDP::WHOLE_EXTENT(), whole);
  if (requested && !std::equal(whole, whole + 6, requested)) {
    std::copy(requested, requested + 6, piece);
    return true;
  }
  vtkNew<vtkExtentTranslator> translator;
  translator->PieceToExtentThreadSafe(output_request->Get(SDDP::UPDATE_PIECE_NUMBER()), pieces, 0, whole, piece,
                                      vtkExtentTranslator::BLOCK_MODE, 0);
  return true;
}

int number_of_pieces(vtkInformation* request) {
  using SDDP = vtkStreamingDemandDrivenPipeline;
  return request->Has(SDDP::UPDATE_NUMBER_OF_PIECES()) ? request->Get(SDDP::UPDATE_NUMBER_OF_PIECES()) : 1;
}

bool request_halo(vtkInformation* output_request, vtkInformation* input_information, int ghosts, int requested[6]) {
  using SDDP = vtkStreamingDemandDrivenPipeline;
  const int downstream = output_request->Has(SDDP::UPDATE_NUMBER_OF_GHOST_LEVELS())
                             ? output_request->Get(SDDP::UPDATE_NUMBER_OF_GHOST_LEVELS())
                             : 0;
  const int pieces = number_of_pieces(output_request);
  if (pieces > 1)
    ghosts += downstream;
  else
    ghosts = downstream;
  input_information->Set(SDDP::UPDATE_NUMBER_OF_GHOST_LEVELS(), ghosts);
  // Structured inputs take the halo as a larger update extent.
  if (pieces <= 1 || !output_request->Has(SDDP::UPDATE_EXTENT()) || !input_information->Has(SDDP::WHOLE_EXTENT()))
    return false;
  int extent[6], whole[6];
  output_request->Get(SDDP::UPDATE_EXTENT(), extent);
  input_information->Get(SDDP::WHOLE_EXTENT(), whole);
  std::copy(extent, extent + 6, requested);
  for (int a = 0; a < 3; ++a) {
    if (whole[2 * a] == whole[2 * a + 1]) continue;
    extent[2 * a] = std::max(whole[2 * a], extent[2 * a] - ghosts);
    extent[2 * a + 1] = std::min(whole[2 * a + 1], extent[2 * a + 1] + ghosts);
  }
  input_information->Set(SDDP::UPDATE_EXTENT(), extent, 6);
  return true;
}

AxisWindow aligned_window(int64_t whole, int64_t need_begin, int64_t need_end, int64_t alignment, int64_t radius) {
  const int64_t F = std::max<int64_t>(1, alignment);
  AxisWindow w;
  w.begin = std::max<int64_t>(0, need_begin - radius) / F * F;
  w.end = std::min<int64_t>(whole, (need_end + radius + F - 1) / F * F);
  return w;
}

}  // namespace nv

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
  const int pieces =
      output_request->Has(SDDP::UPDATE_NUMBER_OF_PIECES()) ? output_request->Get(SDDP::UPDATE_NUMBER_OF_PIECES()) : 1;
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

}  // namespace nv

#include "nvPieceExtent.h"

#include <algorithm>

#include "vtkAbstractArray.h"
#include "vtkCellData.h"
#include "vtkDataSetAttributes.h"
#include "vtkExtentTranslator.h"
#include "vtkFieldData.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkNew.h"
#include "vtkPointData.h"
#include "vtkSmartPointer.h"
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

namespace {

// Copies the values of `box` (a point or cell index box of the input) row by row.
void crop_attributes(vtkDataSetAttributes* in, const int in_dims[3], const int box[6], vtkDataSetAttributes* out) {
  const vtkIdType nx = box[1] - box[0] + 1, ny = box[3] - box[2] + 1, nz = box[5] - box[4] + 1;
  const bool empty = nx <= 0 || ny <= 0 || nz <= 0;  // an empty piece keeps empty arrays
  for (int i = 0; i < in->GetNumberOfArrays(); ++i) {
    vtkAbstractArray* source = in->GetAbstractArray(i);
    vtkSmartPointer<vtkAbstractArray> part;
    part.TakeReference(source->NewInstance());
    part->SetName(source->GetName());
    part->SetNumberOfComponents(source->GetNumberOfComponents());
    part->CopyComponentNames(source);
    part->SetNumberOfTuples(empty ? 0 : nx * ny * nz);
    vtkIdType row = 0;
    for (vtkIdType z = 0; z < (empty ? 0 : nz); ++z)
      for (vtkIdType y = 0; y < ny; ++y, ++row)
        part->InsertTuples(row * nx, nx,
                           ((box[4] + z) * static_cast<vtkIdType>(in_dims[1]) + box[2] + y) * in_dims[0] + box[0],
                           source);
    out->AddArray(part);
  }
  for (int attribute = 0; attribute < vtkDataSetAttributes::NUM_ATTRIBUTES; ++attribute)
    if (vtkAbstractArray* active = in->GetAbstractAttribute(attribute))
      if (active->GetName()) out->SetActiveAttribute(active->GetName(), attribute);
}

}  // namespace

void crop_image(vtkImageData* input, const int extent[6], vtkImageData* output) {
  int in[6];
  input->GetExtent(in);
  output->Initialize();
  output->SetOrigin(input->GetOrigin());
  output->SetSpacing(input->GetSpacing());
  output->SetDirectionMatrix(input->GetDirectionMatrix());
  output->SetExtent(const_cast<int*>(extent));
  output->GetFieldData()->ShallowCopy(input->GetFieldData());
  for (const bool cells : {false, true}) {
    // Index boxes relative to the input; a cell box has one value fewer
    // along every axis the image extends in.
    int dims[3], box[6];
    for (int a = 0; a < 3; ++a) {
      const bool flat = in[2 * a] == in[2 * a + 1];
      const int fewer = cells && !flat ? 1 : 0;
      dims[a] = in[2 * a + 1] - in[2 * a] + 1 - fewer;
      box[2 * a] = extent[2 * a] - in[2 * a];
      box[2 * a + 1] = extent[2 * a + 1] - in[2 * a] - fewer;
    }
    if (cells)
      crop_attributes(input->GetCellData(), dims, box, output->GetCellData());
    else
      crop_attributes(input->GetPointData(), dims, box, output->GetPointData());
  }
}

}  // namespace nv

#include "vtkNVExtractPressureLevel.h"

#include <algorithm>
#include <cmath>

#include "vtkCellData.h"
#include "vtkDataArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkStreamingDemandDrivenPipeline.h"

vtkStandardNewMacro(vtkNVExtractPressureLevel);

namespace {

std::string level_name(const std::string& name, const std::string& level) {
  if (level.empty()) return name;
  if (name == "Z3") return "Z" + level;  // CAM's geopotential height
  return name + level;
}

double finite_or(double value, double fallback) { return std::isfinite(value) && value != 0.0 ? value : fallback; }

}  // namespace

vtkNVExtractPressureLevel::vtkNVExtractPressureLevel() = default;

int vtkNVExtractPressureLevel::RequestInformation(vtkInformation*, vtkInformationVector** inputVector,
                                                  vtkInformationVector* outputVector) {
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), this->InputWholeExtent);
  const int levels = this->InputWholeExtent[5] - this->InputWholeExtent[4] + 1;
  if (levels > 1 && this->LevelIndex >= levels) {
    vtkErrorMacro(<< "LevelIndex " << this->LevelIndex << " is beyond the input's " << levels << " levels (0.."
                  << levels - 1 << ")");
    return 0;
  }
  int extent[6] = {
      this->InputWholeExtent[0], this->InputWholeExtent[1], this->InputWholeExtent[2], this->InputWholeExtent[3], 0, 0};
  outInfo->Set(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), extent, 6);
  double spacing[3] = {1, 1, 1}, origin[3] = {0, 0, 0};
  if (inInfo->Has(vtkDataObject::SPACING())) inInfo->Get(vtkDataObject::SPACING(), spacing);
  if (inInfo->Has(vtkDataObject::ORIGIN())) inInfo->Get(vtkDataObject::ORIGIN(), origin);
  double out_spacing[3] = {finite_or(spacing[0], 1.0), finite_or(spacing[1], 1.0), 1.0};
  double out_origin[3] = {std::isfinite(origin[0]) ? origin[0] : 0.0, std::isfinite(origin[1]) ? origin[1] : 0.0, 0.0};
  outInfo->Set(vtkDataObject::SPACING(), out_spacing, 3);
  outInfo->Set(vtkDataObject::ORIGIN(), out_origin, 3);
  outInfo->Set(vtkAlgorithm::CAN_PRODUCE_SUB_EXTENT(), 1);
  return 1;
}

int vtkNVExtractPressureLevel::RequestUpdateExtent(vtkInformation*, vtkInformationVector** inputVector,
                                                   vtkInformationVector* outputVector) {
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  int extent[6];
  outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), extent);
  const int levels = this->InputWholeExtent[5] - this->InputWholeExtent[4] + 1;
  // A level out of range was reported in RequestInformation; ask for a valid one meanwhile.
  const int k = this->InputWholeExtent[4] + (levels > 1 ? std::min(this->LevelIndex, levels - 1) : 0);
  extent[4] = extent[5] = k;
  inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), extent, 6);
  return 1;
}

int vtkNVExtractPressureLevel::RequestData(vtkInformation*, vtkInformationVector** inputVector,
                                           vtkInformationVector* outputVector) {
  vtkImageData* input = vtkImageData::GetData(inputVector[0]);
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkImageData* output = vtkImageData::GetData(outInfo);
  if (!input) {
    vtkErrorMacro(<< "the input is not image data");
    return 0;
  }
  int out_extent[6];
  outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), out_extent);
  out_extent[4] = out_extent[5] = 0;
  output->SetExtent(out_extent);
  // Geometry from the data: some readers (NetCDF CF) set it only there.
  double spacing[3], origin[3];
  input->GetSpacing(spacing);
  input->GetOrigin(origin);
  output->SetSpacing(finite_or(spacing[0], 1.0), finite_or(spacing[1], 1.0), 1.0);
  output->SetOrigin(std::isfinite(origin[0]) ? origin[0] : 0.0, std::isfinite(origin[1]) ? origin[1] : 0.0, 0.0);

  const int levels = this->InputWholeExtent[5] - this->InputWholeExtent[4] + 1;
  const int k = this->InputWholeExtent[4] + (levels > 1 ? this->LevelIndex : 0);
  int in_extent[6];
  input->GetExtent(in_extent);
  if (k < in_extent[4] || k > in_extent[5] || out_extent[0] < in_extent[0] || out_extent[1] > in_extent[1] ||
      out_extent[2] < in_extent[2] || out_extent[3] > in_extent[3]) {
    vtkErrorMacro(<< "the input does not hold level " << k << " of the requested piece");
    return 0;
  }
  const std::string suffix = levels > 1 ? this->LevelName : std::string();

  // Points of the slice, then cells (a slice of a 3-D image has the cells of
  // the layer above the level; a flat image's cells are copied as they are).
  const int nx = out_extent[1] - out_extent[0] + 1, ny = out_extent[3] - out_extent[2] + 1;
  vtkPointData* in_points = input->GetPointData();
  for (int a = 0; a < in_points->GetNumberOfArrays(); ++a) {
    vtkDataArray* source = in_points->GetArray(a);
    if (!source || !source->GetName()) continue;
    vtkSmartPointer<vtkDataArray> target;
    target.TakeReference(source->NewInstance());
    target->SetName(level_name(source->GetName(), suffix).c_str());
    target->SetNumberOfComponents(source->GetNumberOfComponents());
    target->SetNumberOfTuples(static_cast<vtkIdType>(nx) * ny);
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        int ijk[3] = {out_extent[0] + i, out_extent[2] + j, k};
        const vtkIdType from = input->ComputePointId(ijk);
        target->SetTuple(static_cast<vtkIdType>(j) * nx + i, from, source);
      }
    output->GetPointData()->AddArray(target);
  }
  if (levels == 1) output->GetCellData()->ShallowCopy(input->GetCellData());
  output->GetFieldData()->ShallowCopy(input->GetFieldData());
  return 1;
}

void vtkNVExtractPressureLevel::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "LevelIndex: " << this->LevelIndex << "\n" << indent << "LevelName: " << this->LevelName << "\n";
}

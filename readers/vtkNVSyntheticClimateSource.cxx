#include "vtkNVSyntheticClimateSource.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nvClimateWeather.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkSMPTools.h"
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"

vtkStandardNewMacro(vtkNVSyntheticClimateSource);

namespace {

// The largest grid accepted: 0.01 degree, far beyond any climate model.
constexpr int kMaximumPoints = 36000;

template <class ArrayT>
vtkSmartPointer<ArrayT> named_array(const char* name, int components = 1, vtkIdType tuples = 0) {
  auto array = vtkSmartPointer<ArrayT>::New();
  array->SetName(name);
  array->SetNumberOfComponents(components);
  if (tuples) array->SetNumberOfTuples(tuples);
  return array;
}

// Axis points of filaments as (lon in [0, 360), lat, index) tuples.
vtkSmartPointer<vtkDoubleArray> axis_array(const char* name, const std::vector<nvclimate::Filament>& filaments) {
  auto axis = named_array<vtkDoubleArray>(name, 3);
  axis->SetComponentName(0, "lon");
  axis->SetComponentName(1, "lat");
  axis->SetComponentName(2, "index");
  for (size_t f = 0; f < filaments.size(); ++f)
    for (size_t k = 0; k < filaments[f].lon.size(); ++k) {
      const double lon = std::fmod(std::fmod(filaments[f].lon[k], 360.0) + 360.0, 360.0);
      const double tuple[3] = {lon, filaments[f].lat[k], static_cast<double>(f)};
      axis->InsertNextTuple(tuple);
    }
  return axis;
}

}  // namespace

vtkNVSyntheticClimateSource::vtkNVSyntheticClimateSource() { this->SetNumberOfInputPorts(0); }

bool vtkNVSyntheticClimateSource::CheckParameters() {
  if (this->Dimensions[0] < 4 || this->Dimensions[1] < 3 || this->Dimensions[0] > kMaximumPoints ||
      this->Dimensions[1] > kMaximumPoints) {
    vtkErrorMacro(<< "Dimensions " << this->Dimensions[0] << " x " << this->Dimensions[1]
                  << " (longitudes x latitudes) are outside the supported range 4..." << kMaximumPoints << " x 3..."
                  << kMaximumPoints);
    return false;
  }
  for (const int* range : {this->CycloneCountRange, this->RiverCountRange, this->FrontCountRange})
    if (range[0] < 0 || range[1] < range[0] || range[1] > 100) {
      vtkErrorMacro(<< "a feature count range must satisfy 0 <= minimum <= maximum <= 100, got " << range[0] << " "
                    << range[1]);
      return false;
    }
  return true;
}

int vtkNVSyntheticClimateSource::RequestInformation(vtkInformation*, vtkInformationVector**,
                                                    vtkInformationVector* outputVector) {
  if (!this->CheckParameters()) return 0;
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  int wholeExtent[6] = {0, this->Dimensions[0] - 1, 0, this->Dimensions[1] - 1, 0, 0};
  outInfo->Set(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), wholeExtent, 6);
  nvclimate::Grid grid{this->Dimensions[0], this->Dimensions[1]};
  double spacing[3] = {grid.dlon(), grid.dlat(), 1.0}, origin[3] = {0.0, -90.0, 0.0};
  outInfo->Set(vtkDataObject::SPACING(), spacing, 3);
  outInfo->Set(vtkDataObject::ORIGIN(), origin, 3);
  outInfo->Set(vtkAlgorithm::CAN_PRODUCE_SUB_EXTENT(), 1);
  outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
  outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_RANGE());
  if (this->NumberOfTimeSteps > 1) {
    std::vector<double> times(this->NumberOfTimeSteps);
    for (int t = 0; t < this->NumberOfTimeSteps; ++t) times[t] = t;
    outInfo->Set(vtkStreamingDemandDrivenPipeline::TIME_STEPS(), times.data(), this->NumberOfTimeSteps);
    double range[2] = {0.0, static_cast<double>(this->NumberOfTimeSteps - 1)};
    outInfo->Set(vtkStreamingDemandDrivenPipeline::TIME_RANGE(), range, 2);
  }
  return 1;
}

int vtkNVSyntheticClimateSource::RequestData(vtkInformation*, vtkInformationVector**,
                                             vtkInformationVector* outputVector) {
  if (!this->CheckParameters()) return 0;
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkImageData* output = vtkImageData::GetData(outInfo);
  const nvclimate::Grid grid{this->Dimensions[0], this->Dimensions[1]};
  int extent[6];
  outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), extent);
  output->SetExtent(extent);
  output->SetSpacing(grid.dlon(), grid.dlat(), 1.0);
  output->SetOrigin(0.0, -90.0, 0.0);

  int step = 0;
  if (outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP()) && this->NumberOfTimeSteps > 1) {
    const double t = outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP());
    step = std::clamp(static_cast<int>(std::lround(t)), 0, this->NumberOfTimeSteps - 1);
  }
  if (this->NumberOfTimeSteps > 1) output->GetInformation()->Set(vtkDataObject::DATA_TIME_STEP(), step);

  nvclimate::Counts counts;
  std::copy(this->CycloneCountRange, this->CycloneCountRange + 2, counts.cyclones);
  std::copy(this->RiverCountRange, this->RiverCountRange + 2, counts.rivers);
  std::copy(this->FrontCountRange, this->FrontCountRange + 2, counts.fronts);
  const uint64_t seed = static_cast<uint64_t>(static_cast<int64_t>(this->Seed));
  const nvclimate::State state = nvclimate::make_state(seed, step, counts);
  const nvclimate::Modes land = nvclimate::make_land_modes(seed);

  const vtkIdType n = output->GetNumberOfPoints();
  const bool empty = n == 0 || extent[1] < extent[0] || extent[3] < extent[2];
  const int planar[4] = {extent[0], std::max(extent[0], extent[1]), extent[2], std::max(extent[2], extent[3])};
  const nvclimate::Evaluator evaluator(state, land, grid, planar);

  std::vector<vtkSmartPointer<vtkFloatArray>> variables;
  for (const char* name : nvclimate::kVariableNames) variables.push_back(named_array<vtkFloatArray>(name, 1, n));
  std::vector<vtkSmartPointer<vtkFloatArray>> extras;
  for (const char* name : nvclimate::kExtraNames) extras.push_back(named_array<vtkFloatArray>(name, 1, n));
  auto labels = named_array<vtkIntArray>("LABELS", 1, n);
  auto fronts = named_array<vtkIntArray>("FRONTS", 1, n);

  if (!empty) {
    const int nx = extent[1] - extent[0] + 1;
    // Rows in parallel: each point's values depend only on its indices.
    vtkSMPTools::For(extent[2], extent[3] + 1, [&](vtkIdType row_begin, vtkIdType row_end) {
      nvclimate::Evaluator::Point p;
      for (vtkIdType j = row_begin; j < row_end; ++j) {
        for (int k = extent[4]; k <= extent[5]; ++k)
          for (int i = extent[0]; i <= extent[1]; ++i) {
            evaluator.evaluate(i, static_cast<int>(j), p);
            const vtkIdType id =
                (static_cast<vtkIdType>(k - extent[4]) * (extent[3] - extent[2] + 1) + (j - extent[2])) * nx +
                (i - extent[0]);
            for (int v = 0; v < nvclimate::kVariableCount; ++v)
              variables[v]->SetValue(id, static_cast<float>(p.var[v]));
            for (int e = 0; e < nvclimate::kExtraCount; ++e) extras[e]->SetValue(id, static_cast<float>(p.extra[e]));
            labels->SetValue(id, p.label);
            fronts->SetValue(id, p.front);
          }
      }
    });
  }
  vtkPointData* pd = output->GetPointData();
  for (auto& a : variables) pd->AddArray(a);
  for (auto& a : extras) pd->AddArray(a);
  pd->AddArray(labels);
  pd->AddArray(fronts);
  pd->SetActiveScalars("TMQ");

  // The generator's truth as field data (identical on every piece).
  vtkFieldData* fd = output->GetFieldData();
  auto centers = named_array<vtkDoubleArray>("TCCenter", 2);
  centers->SetComponentName(0, "lon");
  centers->SetComponentName(1, "lat");
  auto hemisphere = named_array<vtkIntArray>("TCHemisphere");
  auto max_wind = named_array<vtkDoubleArray>("TCMaxWind");
  auto rmw = named_array<vtkDoubleArray>("TCRadiusOfMaxWind");
  auto drop = named_array<vtkDoubleArray>("TCPressureDrop");
  auto warm = named_array<vtkDoubleArray>("TCWarmCore");
  auto radius = named_array<vtkDoubleArray>("TCLabelRadius");
  for (size_t c = 0; c < state.cyclones.size(); ++c) {
    const nvclimate::Cyclone& tc = state.cyclones[c];
    const double center[2] = {tc.lon, tc.lat};
    centers->InsertNextTuple(center);
    hemisphere->InsertNextValue(tc.hemisphere);
    max_wind->InsertNextValue(tc.max_wind);
    rmw->InsertNextValue(tc.radius_max_wind);
    drop->InsertNextValue(tc.pressure_drop);
    warm->InsertNextValue(tc.warm_core);
    radius->InsertNextValue(evaluator.cyclone_label_radius(c));
  }
  for (vtkAbstractArray* a : {static_cast<vtkAbstractArray*>(centers), static_cast<vtkAbstractArray*>(hemisphere),
                              static_cast<vtkAbstractArray*>(max_wind), static_cast<vtkAbstractArray*>(rmw),
                              static_cast<vtkAbstractArray*>(drop), static_cast<vtkAbstractArray*>(warm),
                              static_cast<vtkAbstractArray*>(radius)})
    fd->AddArray(a);

  fd->AddArray(axis_array("ARAxis", state.rivers));
  auto ar_length = named_array<vtkDoubleArray>("ARLength");
  auto ar_width = named_array<vtkDoubleArray>("ARHalfWidth");
  auto ar_jet = named_array<vtkDoubleArray>("ARJet");
  for (size_t r = 0; r < state.rivers.size(); ++r) {
    ar_length->InsertNextValue(state.rivers[r].length);
    ar_width->InsertNextValue(evaluator.river_half_width(r));
    ar_jet->InsertNextValue(state.rivers[r].wind);
  }
  fd->AddArray(ar_length);
  fd->AddArray(ar_width);
  fd->AddArray(ar_jet);

  fd->AddArray(axis_array("FrontAxis", state.fronts));
  auto front_jump = named_array<vtkDoubleArray>("FrontTemperatureJump");
  auto front_length = named_array<vtkDoubleArray>("FrontLength");
  for (const nvclimate::Filament& f : state.fronts) {
    front_jump->InsertNextValue(f.strength);
    front_length->InsertNextValue(f.length);
  }
  fd->AddArray(front_jump);
  fd->AddArray(front_length);

  const std::pair<const char*, size_t> count_arrays[] = {
      {"TCCount", state.cyclones.size()}, {"ARCount", state.rivers.size()}, {"FrontCount", state.fronts.size()}};
  for (const auto& [name, count] : count_arrays) {
    auto a = named_array<vtkIntArray>(name);
    a->InsertNextValue(static_cast<int>(count));
    fd->AddArray(a);
  }
  return 1;
}

void vtkNVSyntheticClimateSource::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Dimensions: " << this->Dimensions[0] << " " << this->Dimensions[1] << "\n";
  os << indent << "Seed: " << this->Seed << "\n" << indent << "NumberOfTimeSteps: " << this->NumberOfTimeSteps << "\n";
  os << indent << "CycloneCountRange: " << this->CycloneCountRange[0] << " " << this->CycloneCountRange[1] << "\n";
  os << indent << "RiverCountRange: " << this->RiverCountRange[0] << " " << this->RiverCountRange[1] << "\n";
  os << indent << "FrontCountRange: " << this->FrontCountRange[0] << " " << this->FrontCountRange[1] << "\n";
}

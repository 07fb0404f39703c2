#include "vtkNVSyntheticCosmologySource.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "neuralview/cosmology.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkUnsignedLongLongArray.h"

vtkStandardNewMacro(vtkNVSyntheticCosmologySource);

namespace cosmo = nv::cosmology;

// The last universe computed, with everything it depends on: later extents
// of the same universe (other pieces, ghost requests) reuse it.
struct vtkNVSyntheticCosmologySource::Cache {
  std::vector<double> key;
  cosmo::Universe universe;
  std::array<double, 4> unit{};
  uint64_t seed = 0;
};

namespace {

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string redshift_label(double z) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", z);
  return text;
}

}  // namespace

vtkNVSyntheticCosmologySource::vtkNVSyntheticCosmologySource() : Cached(std::make_unique<Cache>()) {
  this->SetNumberOfInputPorts(0);
}

vtkNVSyntheticCosmologySource::~vtkNVSyntheticCosmologySource() = default;

int vtkNVSyntheticCosmologySource::RequestInformation(vtkInformation*, vtkInformationVector**,
                                                      vtkInformationVector* outputVector) {
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  const int n = this->GridSize;
  int wholeExtent[6] = {0, n - 1, 0, n - 1, 0, n - 1};
  outInfo->Set(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), wholeExtent, 6);
  const double h = this->BoxSize / n;
  double spacing[3] = {h, h, h}, origin[3] = {0.0, 0.0, 0.0};
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

int vtkNVSyntheticCosmologySource::RequestData(vtkInformation*, vtkInformationVector**,
                                               vtkInformationVector* outputVector) {
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkImageData* output = vtkImageData::GetData(outInfo);
  const int n = this->GridSize;
  if (n % 2) {
    vtkErrorMacro(<< "GridSize must be even (the FFTs of the initial field need it), not " << n);
    return 0;
  }
  int extent[6];
  outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), extent);
  output->SetExtent(extent);
  const double h = this->BoxSize / n;
  output->SetSpacing(h, h, h);
  output->SetOrigin(0.0, 0.0, 0.0);

  int step = 0;
  if (outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP()) && this->NumberOfTimeSteps > 1) {
    const double t = outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP());
    step = std::clamp(static_cast<int>(std::lround(t)), 0, this->NumberOfTimeSteps - 1);
  }
  if (this->NumberOfTimeSteps > 1) output->GetInformation()->Set(vtkDataObject::DATA_TIME_STEP(), step);

  const uint64_t universeSeed =
      mix(static_cast<uint64_t>(static_cast<int64_t>(this->Seed)) * 1000003ULL + static_cast<uint64_t>(step));
  cosmo::Parameters parameters;
  std::array<double, 4> unit{};
  if (this->RandomParameters) {
    unit = cosmo::draw_unit_parameters(universeSeed);
    parameters = cosmo::from_unit_parameters(unit, this->OmegaBaryon);
  } else {
    parameters.omega_m = this->OmegaMatter;
    parameters.sigma_8 = this->Sigma8;
    parameters.n_s = this->SpectralIndex;
    parameters.hubble = this->HubbleConstant;
    parameters.omega_b = this->OmegaBaryon;
    unit = cosmo::to_unit_parameters(parameters);
  }

  cosmo::UniverseOptions options;
  options.grid = n;
  options.box = this->BoxSize;
  options.transfer =
      this->TransferFunction == BBKS ? cosmo::TransferFunction::bbks : cosmo::TransferFunction::eisenstein_hu;
  options.lpt_order = this->LPTOrder;
  options.keep_linear_field = this->LinearField;

  const std::vector<double> key = {static_cast<double>(universeSeed >> 32),
                                   static_cast<double>(universeSeed & 0xffffffffULL),
                                   static_cast<double>(n),
                                   this->BoxSize,
                                   parameters.omega_m,
                                   parameters.sigma_8,
                                   parameters.n_s,
                                   parameters.hubble,
                                   parameters.omega_b,
                                   static_cast<double>(this->TransferFunction),
                                   static_cast<double>(this->LPTOrder),
                                   this->LinearField ? 1.0 : 0.0};
  Cache& cache = *this->Cached;
  if (cache.key != key) {
    try {
      this->UpdateProgress(0.1);
      cache.universe = cosmo::generate_universe(parameters, options, universeSeed);
      cache.key = key;
      cache.unit = unit;
      cache.seed = universeSeed;
    } catch (const std::exception& e) {
      cache = Cache{};
      vtkErrorMacro(<< "cannot generate the universe: " << e.what());
      return 0;
    }
  }
  this->UpdateProgress(0.8);

  // Copy the requested extent out of the periodic box.
  const vtkIdType count = output->GetNumberOfPoints();
  const auto copy_extent = [&](const std::vector<double>& full, const std::string& name, bool logarithm) {
    auto array = vtkSmartPointer<vtkFloatArray>::New();
    array->SetName(name.c_str());
    array->SetNumberOfTuples(count);
    vtkIdType id = 0;
    for (int k = extent[4]; k <= extent[5]; ++k)
      for (int j = extent[2]; j <= extent[3]; ++j)
        for (int i = extent[0]; i <= extent[1]; ++i, ++id) {
          const size_t index = (static_cast<size_t>(k) * n + j) * n + i;
          const double v = full[index];
          array->SetValue(id, static_cast<float>(logarithm ? std::log1p(v) : v));
        }
    output->GetPointData()->AddArray(array);
  };
  const cosmo::Universe& u = cache.universe;
  for (size_t c = 0; c < u.density.size(); ++c)
    copy_extent(u.density[c], "Density_z" + redshift_label(options.redshifts[c]), false);
  if (this->LogDensity)
    for (size_t c = 0; c < u.density.size(); ++c)
      copy_extent(u.density[c], "LogDensity_z" + redshift_label(options.redshifts[c]), true);
  if (this->LinearField && !u.linear_delta.empty()) copy_extent(u.linear_delta, "LinearDensity", false);
  output->GetPointData()->SetActiveScalars(this->LogDensity ? "LogDensity_z0" : "Density_z0");

  // Field data: the parameters in CosmoFlow's convention and physical units.
  auto unitPar = vtkSmartPointer<vtkFloatArray>::New();
  unitPar->SetName("unitPar");
  unitPar->SetNumberOfComponents(4);
  unitPar->SetNumberOfTuples(1);
  auto physPar = vtkSmartPointer<vtkDoubleArray>::New();
  physPar->SetName("physPar");
  physPar->SetNumberOfComponents(4);
  physPar->SetNumberOfTuples(1);
  const double physical[4] = {parameters.omega_m, parameters.sigma_8, parameters.n_s, parameters.hubble};
  for (int c = 0; c < 4; ++c) {
    unitPar->SetComponent(0, c, cache.unit[c]);
    unitPar->SetComponentName(c, cosmo::kParameterNames[c]);
    physPar->SetComponent(0, c, physical[c]);
    physPar->SetComponentName(c, cosmo::kParameterNames[c]);
  }
  output->GetFieldData()->AddArray(unitPar);
  output->GetFieldData()->AddArray(physPar);
  auto redshifts = vtkSmartPointer<vtkDoubleArray>::New();
  redshifts->SetName("Redshifts");
  for (double z : options.redshifts) redshifts->InsertNextValue(z);
  output->GetFieldData()->AddArray(redshifts);
  auto box = vtkSmartPointer<vtkDoubleArray>::New();
  box->SetName("BoxSize");
  box->InsertNextValue(this->BoxSize);
  output->GetFieldData()->AddArray(box);
  auto seed = vtkSmartPointer<vtkUnsignedLongLongArray>::New();
  seed->SetName("UniverseSeed");
  seed->InsertNextValue(cache.seed);
  output->GetFieldData()->AddArray(seed);
  this->UpdateProgress(1.0);
  return 1;
}

void vtkNVSyntheticCosmologySource::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "GridSize: " << this->GridSize << "\n" << indent << "BoxSize: " << this->BoxSize << "\n";
  os << indent << "Seed: " << this->Seed << "\n" << indent << "NumberOfTimeSteps: " << this->NumberOfTimeSteps << "\n";
  os << indent << "RandomParameters: " << this->RandomParameters << "\n";
  os << indent << "OmegaMatter: " << this->OmegaMatter << "\n" << indent << "Sigma8: " << this->Sigma8 << "\n";
  os << indent << "SpectralIndex: " << this->SpectralIndex << "\n";
  os << indent << "HubbleConstant: " << this->HubbleConstant << "\n";
  os << indent << "OmegaBaryon: " << this->OmegaBaryon << "\n";
  os << indent << "TransferFunction: " << this->TransferFunction << "\n"
     << indent << "LPTOrder: " << this->LPTOrder << "\n";
  os << indent << "LogDensity: " << this->LogDensity << "\n" << indent << "LinearField: " << this->LinearField << "\n";
}

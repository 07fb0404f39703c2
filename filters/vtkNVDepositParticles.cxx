#include "vtkNVDepositParticles.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "neuralview/cosmology.h"
#include "nvControllerCommunicator.h"
#include "vtkDataArray.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkMultiProcessController.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkPointSet.h"
#include "vtkStreamingDemandDrivenPipeline.h"

vtkStandardNewMacro(vtkNVDepositParticles);

namespace cosmo = nv::cosmology;

namespace {

constexpr int kMaxTypes = 6;  // GADGET's particle types 0..5
const double kChannelRedshifts[4] = {0.0, 0.5, 1.5, 3.0};

double field_value(vtkDataSet* data, const char* name, double fallback) {
  if (!data) return fallback;
  vtkDataArray* array = vtkDataArray::SafeDownCast(data->GetFieldData()->GetAbstractArray(name));
  return array && array->GetNumberOfTuples() > 0 ? array->GetComponent(0, 0) : fallback;
}

std::string redshift_label(double z) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", z);
  return text;
}

}  // namespace

vtkNVDepositParticles::vtkNVDepositParticles() = default;

int vtkNVDepositParticles::FillInputPortInformation(int, vtkInformation* info) {
  info->Set(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkPointSet");
  return 1;
}

int vtkNVDepositParticles::RequestInformation(vtkInformation*, vtkInformationVector**,
                                              vtkInformationVector* outputVector) {
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  int extent[6] = {0, std::max(this->Dimensions[0], 1) - 1, 0, std::max(this->Dimensions[1], 1) - 1,
                   0, std::max(this->Dimensions[2], 1) - 1};
  outInfo->Set(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), extent, 6);
  // The true spacing depends on the data (BoxSize, bounds); RequestData sets it.
  double spacing[3] = {1, 1, 1}, origin[3] = {0, 0, 0};
  if (this->Periodic && this->BoxSize > 0)
    for (int a = 0; a < 3; ++a) spacing[a] = this->BoxSize / std::max(this->Dimensions[a], 1);
  outInfo->Set(vtkDataObject::SPACING(), spacing, 3);
  outInfo->Set(vtkDataObject::ORIGIN(), origin, 3);
  outInfo->Set(vtkAlgorithm::CAN_PRODUCE_SUB_EXTENT(), 1);
  return 1;
}

int vtkNVDepositParticles::RequestUpdateExtent(vtkInformation*, vtkInformationVector** inputVector,
                                               vtkInformationVector* outputVector) {
  // Every process reads its own share of the particles, whatever extent of
  // the image it is asked for.
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  nv::ControllerCommunicator comm;
  int piece = comm.rank(), pieces = comm.size();
  if (outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES())) {
    piece = outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER());
    pieces = outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES());
  }
  inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER(), piece);
  inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES(), pieces);
  inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_GHOST_LEVELS(), 0);
  return 1;
}

int vtkNVDepositParticles::RequestData(vtkInformation*, vtkInformationVector** inputVector,
                                       vtkInformationVector* outputVector) {
  vtkPointSet* input = vtkPointSet::GetData(inputVector[0], 0);
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkImageData* output = vtkImageData::GetData(outInfo);
  nv::ControllerCommunicator comm;
  std::string problem;

  int64_t dims[3];
  for (int a = 0; a < 3; ++a) dims[a] = this->Dimensions[a];
  if (dims[0] < 1 || dims[1] < 1 || dims[2] < 1) problem = "Dimensions must be at least 1 along every axis";
  const size_t total_points = problem.empty() ? static_cast<size_t>(dims[0]) * dims[1] * dims[2] : 0;
  if (total_points > (size_t{1} << 31)) problem = "the grid is too large (more than 2^31 points)";

  // This process's particles.
  const vtkIdType count = input ? input->GetNumberOfPoints() : 0;
  std::vector<double> positions(3 * static_cast<size_t>(count));
  std::vector<double> masses(static_cast<size_t>(count), 1.0);
  vtkDataArray* mass_array =
      input && !this->MassArray.empty() ? input->GetPointData()->GetArray(this->MassArray.c_str()) : nullptr;
  for (vtkIdType p = 0; p < count; ++p) {
    input->GetPoint(p, &positions[3 * p]);
    if (mass_array) masses[p] = mass_array->GetComponent(p, 0);
  }
  for (vtkIdType p = 0; p < count && problem.empty(); ++p)
    if (!std::isfinite(masses[p]) || masses[p] < 0)
      problem = "particle " + std::to_string(p) + " has a negative or non-finite mass in '" + this->MassArray + "'";

  // The grid: a periodic box or the global bounds.
  double origin[3] = {0, 0, 0}, spacing[3] = {1, 1, 1}, box[3] = {0, 0, 0};
  double extremes[6] = {-1e300, -1e300, -1e300, -1e300, -1e300, -1e300};
  double known[2] = {this->BoxSize > 0 ? this->BoxSize : field_value(input, "BoxSize", -1.0),
                     field_value(input, "Redshift", -1.0)};
  for (vtkIdType p = 0; p < count; ++p)
    for (int a = 0; a < 3; ++a) {
      extremes[a] = std::max(extremes[a], -positions[3 * p + a]);
      extremes[3 + a] = std::max(extremes[3 + a], positions[3 * p + a]);
    }
  comm.allreduce_max(extremes, 6);
  comm.allreduce_max(known, 2);
  double total_particles = static_cast<double>(count);
  comm.allreduce_sum(&total_particles, 1);
  if (problem.empty()) {
    if (this->Periodic) {
      if (!(known[0] > 0))
        problem = "the input has no field data BoxSize: set BoxSize or turn Periodic off";
      else
        for (int a = 0; a < 3; ++a) {
          box[a] = known[0];
          spacing[a] = known[0] / dims[a];
        }
    } else if (total_particles > 0) {
      for (int a = 0; a < 3; ++a) {
        origin[a] = -extremes[a];
        const double length = extremes[3 + a] + extremes[a];
        spacing[a] = dims[a] > 1 && length > 0 ? length / (dims[a] - 1) : 1.0;
      }
    }
  }
  if (problem.empty() && this->ZeldovichChannels) {
    if (!this->Periodic)
      problem = "ZeldovichChannels needs a periodic box";
    else if (!(known[1] >= 0))
      problem = "ZeldovichChannels needs the snapshot's redshift (field data Redshift)";
    else if (count > 0 && !input->GetPointData()->GetArray("ParticleIDs"))
      problem = "ZeldovichChannels needs the point array ParticleIDs";
  }
  if (!nv::all_ranks_ok(comm, problem.empty())) {
    vtkErrorMacro(<< "cannot deposit the particles: " << (problem.empty() ? "another process failed" : problem));
    return 0;
  }

  const auto deposit = [&](const std::vector<double>& where, std::vector<double>& grid) {
    grid.assign(total_points, 0.0);
    if (this->Periodic)
      cosmo::deposit_cic(where.data(), masses.data(), masses.size(), dims, box, grid);
    else
      cosmo::deposit_cic_bounded(where.data(), masses.data(), masses.size(), dims, origin, spacing, grid);
    comm.allreduce_sum(grid.data(), grid.size());
  };

  // Zel'dovich extrapolation of the lattice displacements to the channels' redshifts.
  std::vector<std::vector<double>> channels;
  if (this->ZeldovichChannels) {
    std::vector<double> displacement(3 * static_cast<size_t>(count), 0.0);
    vtkDataArray* id_array = count ? input->GetPointData()->GetArray("ParticleIDs") : nullptr;
    vtkDataArray* type_array = count ? input->GetPointData()->GetArray("ParticleType") : nullptr;
    std::vector<int> types(count, 0);
    for (vtkIdType p = 0; p < count; ++p)
      types[p] = type_array ? std::clamp(static_cast<int>(type_array->GetComponent(p, 0)), 0, kMaxTypes - 1) : 0;
    double per_type[2 * kMaxTypes];  // counts, then -(smallest ID)
    for (int t = 0; t < kMaxTypes; ++t) {
      per_type[t] = 0;
      per_type[kMaxTypes + t] = -1e300;
    }
    std::vector<int64_t> ids(count);
    for (vtkIdType p = 0; p < count; ++p) {
      ids[p] = static_cast<int64_t>(id_array->GetComponent(p, 0));
      per_type[types[p]] += 1;
      per_type[kMaxTypes + types[p]] = std::max(per_type[kMaxTypes + types[p]], -static_cast<double>(ids[p]));
    }
    comm.allreduce_sum(per_type, kMaxTypes);
    comm.allreduce_max(per_type + kMaxTypes, kMaxTypes);
    double misfit[2 * kMaxTypes] = {};  // offsets 0 and 0.5 cells per type
    std::vector<std::vector<size_t>> members(kMaxTypes);
    for (vtkIdType p = 0; p < count; ++p) members[types[p]].push_back(p);
    std::vector<std::vector<double>> local_positions(kMaxTypes);
    std::vector<std::vector<int64_t>> local_ids(kMaxTypes);
    int64_t side[kMaxTypes] = {};
    try {
      for (int t = 0; t < kMaxTypes; ++t) {
        if (per_type[t] == 0) continue;
        side[t] = static_cast<int64_t>(std::llround(std::cbrt(per_type[t])));
        if (static_cast<double>(side[t] * side[t] * side[t]) != per_type[t])
          throw std::invalid_argument("particle type " + std::to_string(t) + " has " +
                                      std::to_string(static_cast<int64_t>(per_type[t])) +
                                      " particles, not a cube: they did not start on a lattice");
        for (size_t p : members[t]) {
          local_ids[t].push_back(ids[p]);
          for (int a = 0; a < 3; ++a) local_positions[t].push_back(positions[3 * p + a]);
        }
        const int64_t first = static_cast<int64_t>(-per_type[kMaxTypes + t]);
        for (int o = 0; o < 2; ++o)
          misfit[2 * t + o] = cosmo::lattice_squared_displacement(local_positions[t].data(), local_ids[t].data(),
                                                                  members[t].size(), first, side[t], box[0], 0.5 * o);
      }
    } catch (const std::exception& e) {
      problem = e.what();
    }
    if (!nv::all_ranks_ok(comm, problem.empty())) {
      vtkErrorMacro(<< "cannot extrapolate the snapshot: " << (problem.empty() ? "another process failed" : problem));
      return 0;
    }
    comm.allreduce_sum(misfit, 2 * kMaxTypes);
    for (int t = 0; t < kMaxTypes; ++t) {
      if (per_type[t] == 0 || members[t].empty()) continue;
      const int64_t first = static_cast<int64_t>(-per_type[kMaxTypes + t]);
      const double offset = misfit[2 * t + 1] < misfit[2 * t] ? 0.5 : 0.0;
      const std::vector<double> d = cosmo::lattice_displacements(local_positions[t].data(), local_ids[t].data(),
                                                                 members[t].size(), first, side[t], box[0], offset);
      for (size_t m = 0; m < members[t].size(); ++m)
        for (int a = 0; a < 3; ++a) displacement[3 * members[t][m] + a] = d[3 * m + a];
    }
    double omega_m = this->OmegaMatter > 0 ? this->OmegaMatter : field_value(input, "Omega0", -1.0);
    comm.allreduce_max(&omega_m, 1);
    if (!(omega_m > 0 && omega_m <= 1)) {
      omega_m = 0.3;
      vtkWarningMacro(<< "no Omega0 in the input and OmegaMatter is 0: the growth factor uses Omega_m = 0.3");
    }
    const double d_snapshot = cosmo::growth_factor(known[1], omega_m);
    std::vector<double> moved(positions.size());
    for (double z : kChannelRedshifts) {
      const double scale = cosmo::growth_factor(z, omega_m) / d_snapshot;
      for (size_t i = 0; i < positions.size(); ++i) moved[i] = positions[i] - displacement[i] + scale * displacement[i];
      channels.emplace_back();
      deposit(moved, channels.back());
    }
  }

  std::vector<double> grid;
  deposit(positions, grid);
  double total_mass = 0;
  for (double m : masses) total_mass += m;
  comm.allreduce_sum(&total_mass, 1);
  double deposited = 0;
  for (double v : grid) deposited += v;

  // This process's piece of the image.
  int extent[6];
  outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), extent);
  output->SetExtent(extent);
  output->SetOrigin(origin);
  output->SetSpacing(spacing);
  const vtkIdType points = output->GetNumberOfPoints();
  const double mean = deposited / static_cast<double>(total_points);
  const auto add = [&](const std::vector<double>& full, const std::string& name, int kind) {
    vtkSmartPointer<vtkDataArray> array;
    if (kind == 0)
      array = vtkSmartPointer<vtkDoubleArray>::New();
    else
      array = vtkSmartPointer<vtkFloatArray>::New();
    array->SetName(name.c_str());
    array->SetNumberOfTuples(points);
    vtkIdType id = 0;
    for (int k = extent[4]; k <= extent[5]; ++k)
      for (int j = extent[2]; j <= extent[3]; ++j)
        for (int i = extent[0]; i <= extent[1]; ++i, ++id) {
          const double m = full[(static_cast<size_t>(k) * dims[1] + j) * dims[0] + i];
          const double density = mean > 0 ? m / mean : 0.0;
          array->SetComponent(id, 0, kind == 0 ? m : kind == 1 ? density : std::log1p(density));
        }
    output->GetPointData()->AddArray(array);
  };
  add(grid, "Mass", 0);
  add(grid, "Density", 1);
  if (this->LogDensity) add(grid, "LogDensity", 2);
  for (size_t c = 0; c < channels.size(); ++c) add(channels[c], "Density_z" + redshift_label(kChannelRedshifts[c]), 1);
  if (this->LogDensity)
    for (size_t c = 0; c < channels.size(); ++c)
      add(channels[c], "LogDensity_z" + redshift_label(kChannelRedshifts[c]), 2);
  output->GetPointData()->SetActiveScalars(this->LogDensity ? "LogDensity" : "Density");

  // Field data: the input's (snapshot header) and the mass budget.
  if (input) output->GetFieldData()->PassData(input->GetFieldData());
  auto add_value = [&](const char* name, double value) {
    auto a = vtkSmartPointer<vtkDoubleArray>::New();
    a->SetName(name);
    a->InsertNextValue(value);
    output->GetFieldData()->AddArray(a);
  };
  add_value("TotalMass", total_mass);
  add_value("DepositedMass", deposited);
  add_value("NumberOfParticles", total_particles);
  if (this->Periodic) add_value("BoxSize", box[0]);
  return 1;
}

void vtkNVDepositParticles::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Dimensions: " << this->Dimensions[0] << " " << this->Dimensions[1] << " " << this->Dimensions[2]
     << "\n";
  os << indent << "Periodic: " << this->Periodic << "\n" << indent << "BoxSize: " << this->BoxSize << "\n";
  os << indent << "MassArray: " << this->MassArray << "\n" << indent << "LogDensity: " << this->LogDensity << "\n";
  os << indent << "ZeldovichChannels: " << this->ZeldovichChannels << "\n"
     << indent << "OmegaMatter: " << this->OmegaMatter << "\n";
}

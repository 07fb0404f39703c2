// The cosmology VTK classes without ParaView: the SyntheticCosmology source
// (conventions, seeds, decomposition independence), CosmoFlow reader/writer
// round trips, the GADGET reader on the real snapshot, and DepositParticles
// against the models/ cloud-in-cell. (Round trips against h5py and the
// distributed deposit are pvpython/pvbatch tests.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "neuralview/cosmology.h"
#include "vtkDataArray.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkImageData.h"
#include "vtkNVCosmoFlowReader.h"
#include "vtkNVCosmoFlowWriter.h"
#include "vtkNVDepositParticles.h"
#include "vtkNVGadgetReader.h"
#include "vtkNVSyntheticCosmologySource.h"
#include "vtkPointData.h"
#include "vtkPoints.h"
#include "vtkPolyData.h"
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"

namespace fs = std::filesystem;

namespace {

vtkDataArray* point_array(vtkImageData* image, const char* name) { return image->GetPointData()->GetArray(name); }

double field(vtkDataObject* data, const char* name, int component = 0) {
  vtkDataArray* a = vtkDataArray::SafeDownCast(data->GetFieldData()->GetAbstractArray(name));
  return a ? a->GetComponent(0, component) : std::nan("");
}

vtkSmartPointer<vtkNVSyntheticCosmologySource> universe(int seed, int grid = 16) {
  auto s = vtkSmartPointer<vtkNVSyntheticCosmologySource>::New();
  s->SetGridSize(grid);
  s->SetBoxSize(64.0);
  s->SetSeed(seed);
  return s;
}

fs::path temporary(const std::string& name) { return fs::temp_directory_path() / ("nv_cosmo_" + name); }

std::string snapshot_path() {
  return (fs::path(NV_SOURCE_DIR) / ".." / "shared" / "data" / "real" / "cosmology" / "snapshot_000.hdf5").string();
}

}  // namespace

TEST(SyntheticCosmologySource, ChannelsParametersAndConventions) {
  auto s = universe(3);
  s->LinearFieldOn();
  s->Update();
  vtkImageData* image = s->GetOutput();
  int dims[3];
  image->GetDimensions(dims);
  EXPECT_EQ(dims[0], 16);
  EXPECT_DOUBLE_EQ(image->GetSpacing()[0], 4.0);
  for (const char* name : {"Density_z0", "Density_z0.5", "Density_z1.5", "Density_z3", "LogDensity_z0",
                           "LogDensity_z0.5", "LogDensity_z1.5", "LogDensity_z3", "LinearDensity"})
    ASSERT_NE(point_array(image, name), nullptr) << name;
  // rho/mean rho has mean 1 (mass conservation); log(1 + rho/mean rho) matches.
  vtkDataArray* d0 = point_array(image, "Density_z0");
  vtkDataArray* l0 = point_array(image, "LogDensity_z0");
  double sum = 0;
  for (vtkIdType i = 0; i < d0->GetNumberOfTuples(); ++i) {
    sum += d0->GetComponent(i, 0);
    ASSERT_NEAR(l0->GetComponent(i, 0), std::log1p(d0->GetComponent(i, 0)), 1e-5);
  }
  EXPECT_NEAR(sum / d0->GetNumberOfTuples(), 1.0, 1e-5);
  // unitPar in [-1, 1] and physPar = (1 + 0.1 u) * fiducial.
  const double fiducial[4] = {0.3, 0.8, 0.96, 70.0};
  for (int c = 0; c < 4; ++c) {
    const double u = field(image, "unitPar", c);
    EXPECT_GE(u, -1.0);
    EXPECT_LE(u, 1.0);
    EXPECT_NEAR(field(image, "physPar", c), (1 + 0.1 * u) * fiducial[c], 1e-6);
  }
  EXPECT_STREQ(vtkDataArray::SafeDownCast(image->GetFieldData()->GetArray("unitPar"))->GetComponentName(0), "Omega_m");
  EXPECT_DOUBLE_EQ(field(image, "BoxSize"), 64.0);
}

TEST(SyntheticCosmologySource, SeedsAndTimeStepsAreNewUniverses) {
  auto a = universe(5), b = universe(5), c = universe(6);
  a->Update();
  b->Update();
  c->Update();
  vtkDataArray* da = point_array(a->GetOutput(), "Density_z0");
  vtkDataArray* db = point_array(b->GetOutput(), "Density_z0");
  vtkDataArray* dc = point_array(c->GetOutput(), "Density_z0");
  int same = 0;
  for (vtkIdType i = 0; i < da->GetNumberOfTuples(); ++i) {
    ASSERT_EQ(da->GetComponent(i, 0), db->GetComponent(i, 0));
    same += da->GetComponent(i, 0) == dc->GetComponent(i, 0);
  }
  EXPECT_LT(same, da->GetNumberOfTuples() / 10);  // only empty cells can agree
  EXPECT_NE(field(a->GetOutput(), "unitPar", 1), field(c->GetOutput(), "unitPar", 1));

  // Time steps: independent universes with their own parameters.
  auto t = universe(5);
  t->SetNumberOfTimeSteps(3);
  t->UpdateInformation();
  std::vector<double> sigma8;
  for (double step : {0.0, 1.0, 2.0}) {
    t->UpdateTimeStep(step);
    sigma8.push_back(field(t->GetOutput(), "physPar", 1));
  }
  EXPECT_NE(sigma8[0], sigma8[1]);
  EXPECT_NE(sigma8[1], sigma8[2]);

  // Fixed parameters.
  auto f = universe(5);
  f->RandomParametersOff();
  f->SetSigma8(0.9);
  f->SetOmegaMatter(0.25);
  f->Update();
  EXPECT_NEAR(field(f->GetOutput(), "physPar", 1), 0.9, 1e-12);
  EXPECT_NEAR(field(f->GetOutput(), "unitPar", 1), (0.9 / 0.8 - 1) / 0.1, 1e-6);
  EXPECT_NEAR(field(f->GetOutput(), "unitPar", 0), (0.25 / 0.3 - 1) / 0.1, 1e-6);
}

TEST(SyntheticCosmologySource, AnyDecompositionGivesTheSameValues) {
  auto whole = universe(8);
  whole->Update();
  vtkImageData* full = whole->GetOutput();
  auto piece = universe(8);
  piece->UpdateInformation();
  const int extent[6] = {3, 9, 0, 15, 7, 12};
  piece->UpdateExtent(extent);
  vtkImageData* part = piece->GetOutput();
  int got[6];
  part->GetExtent(got);
  for (int i = 0; i < 6; ++i) ASSERT_EQ(got[i], extent[i]);
  for (const char* name : {"Density_z0", "LogDensity_z3"})
    for (int k = extent[4]; k <= extent[5]; ++k)
      for (int j = extent[2]; j <= extent[3]; ++j)
        for (int i = extent[0]; i <= extent[1]; ++i) {
          int ijk[3] = {i, j, k};
          ASSERT_EQ(point_array(part, name)->GetComponent(part->ComputePointId(ijk), 0),
                    point_array(full, name)->GetComponent(full->ComputePointId(ijk), 0));
        }
}

TEST(SyntheticCosmologySource, OddGridIsAClearError) {
  auto s = universe(1, 15);
  testing::internal::CaptureStderr();
  s->Update();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("GridSize must be even"), std::string::npos) << err;
}

TEST(CosmoFlowFiles, WriterReaderRoundTripIsExact) {
  auto s = universe(2);
  s->Update();
  const fs::path path = temporary("roundtrip.hdf5");
  auto writer = vtkSmartPointer<vtkNVCosmoFlowWriter>::New();
  writer->SetInputConnection(s->GetOutputPort());
  writer->SetFileName(path.string().c_str());
  writer->Write();
  auto reader = vtkSmartPointer<vtkNVCosmoFlowReader>::New();
  reader->SetFileName(path.string().c_str());
  reader->Update();
  vtkImageData* in = s->GetOutput();
  vtkImageData* out = reader->GetOutput();
  EXPECT_DOUBLE_EQ(out->GetSpacing()[0], in->GetSpacing()[0]);
  for (const char* name : {"Density_z0", "Density_z0.5", "Density_z1.5", "Density_z3"}) {
    vtkDataArray* a = point_array(in, name);
    vtkDataArray* b = point_array(out, name);
    ASSERT_NE(b, nullptr) << name;
    for (vtkIdType i = 0; i < a->GetNumberOfTuples(); ++i)
      ASSERT_EQ(static_cast<float>(a->GetComponent(i, 0)), b->GetComponent(i, 0));
  }
  ASSERT_NE(point_array(out, "LogDensity_z1.5"), nullptr);
  for (int c = 0; c < 4; ++c) {
    EXPECT_FLOAT_EQ(field(out, "unitPar", c), field(in, "unitPar", c));
    EXPECT_FLOAT_EQ(field(out, "physPar", c), field(in, "physPar", c));
  }
  EXPECT_STREQ(vtkDataArray::SafeDownCast(out->GetFieldData()->GetArray("unitPar"))->GetComponentName(3), "H0");
  fs::remove(path);
}

TEST(CosmoFlowFiles, BadFilesGiveClearErrors) {
  const fs::path text = temporary("not_hdf5.hdf5");
  std::ofstream(text) << "not an HDF5 file";
  auto reader = vtkSmartPointer<vtkNVCosmoFlowReader>::New();
  reader->SetFileName(text.string().c_str());
  testing::internal::CaptureStderr();
  reader->Update();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("not an HDF5 file"), std::string::npos) << err;
  reader->SetFileName(temporary("missing.hdf5").string().c_str());
  testing::internal::CaptureStderr();
  reader->Update();
  err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("cannot read"), std::string::npos) << err;
  fs::remove(text);
  EXPECT_EQ(vtkNVCosmoFlowReader::CanReadFile(snapshot_path().c_str()), 0);  // a GADGET file is not a cube
}

TEST(DepositParticles, MatchesTheModelCicAndConservesMass) {
  // Random particles with masses in a periodic box of 10, some outside it.
  auto points = vtkSmartPointer<vtkPoints>::New();
  points->SetDataTypeToDouble();
  auto masses = vtkSmartPointer<vtkDoubleArray>::New();
  masses->SetName("Masses");
  std::vector<double> xyz, m;
  uint64_t state = 12345;
  auto uniform = [&state]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  for (int p = 0; p < 500; ++p) {
    double x[3] = {uniform() * 12 - 1, uniform() * 12 - 1, uniform() * 12 - 1};
    points->InsertNextPoint(x);
    xyz.insert(xyz.end(), x, x + 3);
    m.push_back(0.5 + uniform());
    masses->InsertNextValue(m.back());
  }
  auto particles = vtkSmartPointer<vtkPolyData>::New();
  particles->SetPoints(points);
  particles->GetPointData()->AddArray(masses);
  auto deposit = vtkSmartPointer<vtkNVDepositParticles>::New();
  deposit->SetInputData(particles);
  deposit->SetDimensions(8, 6, 5);
  deposit->SetBoxSize(10.0);
  deposit->LogDensityOn();
  deposit->Update();
  vtkImageData* image = deposit->GetOutput();
  std::vector<double> expected;
  const int64_t dims[3] = {8, 6, 5};
  const double box[3] = {10, 10, 10};
  nv::cosmology::deposit_cic(xyz.data(), m.data(), m.size(), dims, box, expected);
  vtkDataArray* mass = point_array(image, "Mass");
  ASSERT_EQ(mass->GetNumberOfTuples(), 240);
  double total = 0, sum = 0;
  for (double v : m) total += v;
  for (vtkIdType i = 0; i < 240; ++i) {
    ASSERT_NEAR(mass->GetComponent(i, 0), expected[i], 1e-12);
    sum += mass->GetComponent(i, 0);
  }
  EXPECT_NEAR(sum, total, 1e-12 * total);
  EXPECT_NEAR(field(image, "DepositedMass"), field(image, "TotalMass"), 1e-12 * total);
  EXPECT_DOUBLE_EQ(image->GetSpacing()[1], 10.0 / 6);
  EXPECT_NEAR(point_array(image, "Density")->GetComponent(7, 0), expected[7] / (total / 240), 1e-5);

  // Non-periodic: the grid spans the bounds and keeps every particle's mass.
  deposit->PeriodicOff();
  deposit->Update();
  sum = 0;
  for (vtkIdType i = 0; i < 240; ++i) sum += point_array(deposit->GetOutput(), "Mass")->GetComponent(i, 0);
  EXPECT_NEAR(sum, total, 1e-12 * total);

  // No box size anywhere: a clear error.
  deposit->PeriodicOn();
  deposit->SetBoxSize(0.0);
  testing::internal::CaptureStderr();
  deposit->Update();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("no field data BoxSize"), std::string::npos) << err;
}

TEST(GadgetSnapshot, RealSnapshotLoadsAndDeposits) {
  const std::string path = snapshot_path();
  if (!fs::exists(path)) GTEST_SKIP() << "the real snapshot " << path << " is not available";
  auto reader = vtkSmartPointer<vtkNVGadgetReader>::New();
  reader->SetFileName(path.c_str());
  reader->ReadGasOn();
  reader->Update();
  vtkPolyData* particles = reader->GetOutput();
  // 32^3 dark-matter and 32^3 gas particles, 50 Mpc/h box at z = 5.04 (SOURCES.md).
  EXPECT_EQ(particles->GetNumberOfPoints(), 2 * 32768);
  EXPECT_NEAR(field(particles, "Redshift"), 5.04, 0.01);
  EXPECT_DOUBLE_EQ(field(particles, "BoxSize"), 50000.0);
  EXPECT_NEAR(field(particles, "BoxSizeMpcPerH"), 50.0, 1e-3);
  EXPECT_DOUBLE_EQ(field(particles, "Omega0"), 0.3);
  for (const char* name : {"Velocities", "ParticleIDs", "ParticleType", "Masses", "Density", "SmoothingLength"})
    EXPECT_NE(particles->GetPointData()->GetArray(name), nullptr) << name;
  double bounds[6];
  particles->GetBounds(bounds);
  EXPECT_GE(bounds[0], 0.0);
  EXPECT_LE(bounds[1], 50000.0);

  auto deposit = vtkSmartPointer<vtkNVDepositParticles>::New();
  deposit->SetInputConnection(reader->GetOutputPort());
  deposit->SetDimensions(32, 32, 32);
  deposit->ZeldovichChannelsOn();
  deposit->Update();
  vtkImageData* image = deposit->GetOutput();
  const double total = field(image, "TotalMass");
  // MassTable: 4.235 (gas) and 27.528 (dark matter) per particle, 1e10 Msun/h.
  EXPECT_NEAR(total, 32768 * (4.23507638 + 27.5279965), 1e-6 * total);
  EXPECT_NEAR(field(image, "DepositedMass"), total, 1e-10 * total);
  EXPECT_DOUBLE_EQ(image->GetSpacing()[0], 50000.0 / 32);
  // Extrapolated channels: structure grows towards z = 0 from the z = 5 snapshot.
  std::vector<double> contrast;
  for (const char* name : {"Density", "Density_z3", "Density_z1.5", "Density_z0.5", "Density_z0"}) {
    vtkDataArray* a = point_array(image, name);
    ASSERT_NE(a, nullptr) << name;
    double s = 0, s2 = 0;
    for (vtkIdType i = 0; i < a->GetNumberOfTuples(); ++i) {
      s += a->GetComponent(i, 0);
      s2 += a->GetComponent(i, 0) * a->GetComponent(i, 0);
    }
    const double mean = s / a->GetNumberOfTuples();
    EXPECT_NEAR(mean, 1.0, 1e-5) << name;
    contrast.push_back(std::sqrt(s2 / a->GetNumberOfTuples() - mean * mean));
  }
  for (size_t c = 1; c < contrast.size(); ++c) EXPECT_GT(contrast[c], contrast[c - 1]);
}

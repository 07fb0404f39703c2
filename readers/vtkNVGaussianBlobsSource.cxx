#include "vtkNVGaussianBlobsSource.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkUnsignedCharArray.h"

vtkStandardNewMacro(vtkNVGaussianBlobsSource);

namespace {

// SplitMix64: a stateless hash, so each point's noise depends only on its
// global index and the seed, never on the order points are generated in.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double unit_uniform(uint64_t key) { return static_cast<double>(mix(key) >> 11) * (1.0 / 9007199254740992.0); }

struct Blob {
  double center[3];
  double radius;
};

}  // namespace

vtkNVGaussianBlobsSource::vtkNVGaussianBlobsSource() { this->SetNumberOfInputPorts(0); }

int vtkNVGaussianBlobsSource::RequestInformation(vtkInformation*, vtkInformationVector**,
                                                 vtkInformationVector* outputVector) {
  for (int& d : this->Dimensions) d = std::max(d, 1);
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  int wholeExtent[6] = {0, this->Dimensions[0] - 1, 0, this->Dimensions[1] - 1, 0, this->Dimensions[2] - 1};
  outInfo->Set(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), wholeExtent, 6);
  double spacing[3] = {1.0, 1.0, 1.0}, origin[3] = {0.0, 0.0, 0.0};
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

int vtkNVGaussianBlobsSource::RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector* outputVector) {
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkImageData* output = vtkImageData::GetData(outInfo);
  int extent[6];
  outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), extent);
  output->SetExtent(extent);
  output->SetSpacing(1.0, 1.0, 1.0);
  output->SetOrigin(0.0, 0.0, 0.0);

  int step = 0;
  if (outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP()) && this->NumberOfTimeSteps > 1) {
    const double t = outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP());
    step = std::clamp(static_cast<int>(std::lround(t)), 0, this->NumberOfTimeSteps - 1);
  }
  if (this->NumberOfTimeSteps > 1) output->GetInformation()->Set(vtkDataObject::DATA_TIME_STEP(), step);

  // Blob centres and radii from (Seed, step): identical on every rank.
  const bool is3D = this->Dimensions[2] > 1;
  const int spatialDims = is3D ? 3 : 2;
  double smallest = this->Dimensions[0] - 1;
  for (int a = 1; a < spatialDims; ++a) smallest = std::min<double>(smallest, this->Dimensions[a] - 1);
  smallest = std::max(smallest, 1.0);  // a single point along an axis must not give zero radii
  const uint64_t base = mix(static_cast<uint64_t>(this->Seed) * 1000003ULL + static_cast<uint64_t>(step));
  const int count = this->RandomBlobCount
                        ? static_cast<int>(mix(base ^ 0xb10bULL) % static_cast<uint64_t>(this->NumberOfBlobs + 1))
                        : this->NumberOfBlobs;
  std::vector<Blob> blobs(count);
  for (int b = 0; b < count; ++b) {
    for (int a = 0; a < 3; ++a)
      blobs[b].center[a] = a < spatialDims ? unit_uniform(base ^ mix(4 * b + a)) * (this->Dimensions[a] - 1) : 0.0;
    // Radii vary by +-30 % around the requested size.
    blobs[b].radius = this->BlobRadius * smallest * (0.7 + 0.6 * unit_uniform(base ^ mix(4 * b + 3)));
  }

  const vtkIdType n = output->GetNumberOfPoints();
  auto intensity = vtkSmartPointer<vtkFloatArray>::New();
  intensity->SetName("Intensity");
  intensity->SetNumberOfTuples(n);
  auto temperature = vtkSmartPointer<vtkFloatArray>::New();
  temperature->SetName("Temperature");
  temperature->SetNumberOfTuples(n);
  auto label = vtkSmartPointer<vtkUnsignedCharArray>::New();
  label->SetName("BlobLabel");
  label->SetNumberOfTuples(n);

  const uint64_t noiseKey = mix(base + 0x5bd1e995ULL);
  const int64_t nx = this->Dimensions[0], ny = this->Dimensions[1];
  vtkIdType id = 0;
  for (int k = extent[4]; k <= extent[5]; ++k)
    for (int j = extent[2]; j <= extent[3]; ++j)
      for (int i = extent[0]; i <= extent[1]; ++i, ++id) {
        double signal = 0.0;
        unsigned char inside = 0;
        for (const Blob& blob : blobs) {
          const double dx = i - blob.center[0], dy = j - blob.center[1], dz = k - blob.center[2];
          const double r2 = (dx * dx + dy * dy + dz * dz) / (blob.radius * blob.radius);
          signal += std::exp(-0.5 * r2 * 4.0);  // sigma = radius / 2: the label edge is at 2 sigma
          if (r2 <= 1.0) inside = 1;
        }
        const uint64_t globalIndex = static_cast<uint64_t>((static_cast<int64_t>(k) * ny + j) * nx + i);
        const double noise = this->NoiseLevel * (2.0 * unit_uniform(noiseKey ^ mix(globalIndex)) - 1.0);
        intensity->SetValue(id, static_cast<float>(signal + noise));
        temperature->SetValue(id, static_cast<float>(280.0 + 20.0 * signal + 5.0 * i / std::max<int64_t>(nx - 1, 1)));
        label->SetValue(id, inside);
      }
  output->GetPointData()->AddArray(intensity);
  output->GetPointData()->AddArray(temperature);
  output->GetPointData()->AddArray(label);
  output->GetPointData()->SetActiveScalars("Intensity");

  auto centers = vtkSmartPointer<vtkDoubleArray>::New();
  centers->SetName("BlobCenters");
  centers->SetNumberOfComponents(3);
  auto radii = vtkSmartPointer<vtkDoubleArray>::New();
  radii->SetName("BlobRadii");
  for (const Blob& blob : blobs) {
    centers->InsertNextTuple(blob.center);
    radii->InsertNextValue(blob.radius);
  }
  output->GetFieldData()->AddArray(centers);
  auto blobCount = vtkSmartPointer<vtkIntArray>::New();
  blobCount->SetName("BlobCount");
  blobCount->InsertNextValue(count);
  output->GetFieldData()->AddArray(blobCount);
  output->GetFieldData()->AddArray(radii);
  return 1;
}

void vtkNVGaussianBlobsSource::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Dimensions: " << this->Dimensions[0] << " " << this->Dimensions[1] << " " << this->Dimensions[2]
     << "\n";
  os << indent << "Seed: " << this->Seed << "\n" << indent << "NumberOfBlobs: " << this->NumberOfBlobs << "\n";
  os << indent << "BlobRadius: " << this->BlobRadius << "\n" << indent << "NoiseLevel: " << this->NoiseLevel << "\n";
  os << indent << "NumberOfTimeSteps: " << this->NumberOfTimeSteps << "\n";
  os << indent << "RandomBlobCount: " << this->RandomBlobCount << "\n";
}

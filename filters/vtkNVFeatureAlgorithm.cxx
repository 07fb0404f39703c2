#include "vtkNVFeatureAlgorithm.h"

#include <algorithm>
#include <stdexcept>

#include "nvControllerCommunicator.h"
#include "nvFeatureVectors.h"
#include "vtkCompositeDataIterator.h"
#include "vtkCompositeDataSet.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkMultiProcessController.h"
#include "vtkPointSet.h"
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"

namespace {

std::vector<vtkDataObject*> leaves_of(vtkDataObject* data) {
  std::vector<vtkDataObject*> leaves;
  if (auto* composite = vtkCompositeDataSet::SafeDownCast(data)) {
    vtkSmartPointer<vtkCompositeDataIterator> it;
    it.TakeReference(composite->NewIterator());
    for (it->InitTraversal(); !it->IsDoneWithTraversal(); it->GoToNextItem())
      leaves.push_back(it->GetCurrentDataObject());
  } else if (data) {
    leaves.push_back(data);
  }
  return leaves;
}

}  // namespace

vtkNVFeatureAlgorithm::vtkNVFeatureAlgorithm() : Rows(std::make_unique<nv::FeatureSet>()) {}

vtkNVFeatureAlgorithm::~vtkNVFeatureAlgorithm() = default;

void vtkNVFeatureAlgorithm::AddChannelMapping(const char* entry) {
  if (!entry || !*entry) return;
  this->ChannelMapping.emplace_back(entry);
  this->Modified();
}

void vtkNVFeatureAlgorithm::ClearChannelMapping() {
  this->ChannelMapping.clear();
  this->Modified();
}

void vtkNVFeatureAlgorithm::AddFeatureArray(const char* name) {
  if (!name || !*name) return;
  this->FeatureArrays.emplace_back(name);
  this->Modified();
}

void vtkNVFeatureAlgorithm::ClearFeatureArrays() {
  this->FeatureArrays.clear();
  this->Modified();
}

std::string vtkNVFeatureAlgorithm::LayerUsed() const { return this->Extractor ? this->Extractor->layer_used() : ""; }

void vtkNVFeatureAlgorithm::SampleGathered(vtkDataObject*, int, const std::vector<nv::SampleRows>&) {}

int vtkNVFeatureAlgorithm::FillInputPortInformation(int, vtkInformation* info) {
  info->Remove(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE());
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkPointSet");
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkCompositeDataSet");
  return 1;
}

int vtkNVFeatureAlgorithm::RequestInformation(vtkInformation*, vtkInformationVector** inputVector,
                                              vtkInformationVector* outputVector) {
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  this->AllTimeSteps.clear();
  this->TimeSteps.clear();
  this->OverTime = false;
  this->FirstTimeIndex = 0;
  if (this->UseTimeSteps && inInfo->Has(vtkStreamingDemandDrivenPipeline::TIME_STEPS()) &&
      inInfo->Length(vtkStreamingDemandDrivenPipeline::TIME_STEPS()) > 1) {
    const int n = inInfo->Length(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
    const double* steps = inInfo->Get(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
    this->AllTimeSteps.assign(steps, steps + n);
    // Each rank reads a contiguous block of whole time steps (as TrainNetwork).
    nv::ControllerCommunicator comm;
    const size_t ranks = static_cast<size_t>(comm.size()), rank = static_cast<size_t>(comm.rank());
    const size_t first = n * rank / ranks, last = n * (rank + 1) / ranks;
    this->TimeSteps.assign(this->AllTimeSteps.begin() + first, this->AllTimeSteps.begin() + last);
    this->FirstTimeIndex = static_cast<int>(first);
    this->OverTime = true;
  }
  if (!this->OutputHasTime()) {
    for (int port = 0; port < this->GetNumberOfOutputPorts(); ++port) {
      vtkInformation* outInfo = outputVector->GetInformationObject(port);
      outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
      outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_RANGE());
    }
  } else {
    for (int port = 1; port < this->GetNumberOfOutputPorts(); ++port) {
      vtkInformation* outInfo = outputVector->GetInformationObject(port);
      outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
      outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_RANGE());
    }
  }
  return 1;
}

int vtkNVFeatureAlgorithm::RequestUpdateExtent(vtkInformation*, vtkInformationVector** inputVector,
                                               vtkInformationVector*) {
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  if (!this->OverTime) return 1;
  if (this->CurrentTimeIndex < this->TimeSteps.size())
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP(), this->TimeSteps[this->CurrentTimeIndex]);
  // Whole time steps are the samples: ask for the full extent, not a piece.
  inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER(), 0);
  inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES(), 1);
  inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_GHOST_LEVELS(), 0);
  return 1;
}

void vtkNVFeatureAlgorithm::Gather(vtkDataObject* input, vtkInformation* inInfo) {
  if (!this->Problem.empty() || !this->Extractor) return;
  try {
    const int time_index = this->OverTime ? this->FirstTimeIndex + static_cast<int>(this->CurrentTimeIndex) : -1;
    std::vector<vtkDataObject*> leaves = leaves_of(input);
    const int64_t blocks = static_cast<int64_t>(leaves.size());
    int whole[6];
    const bool has_whole =
        inInfo->Has(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT()) && vtkImageData::SafeDownCast(input) != nullptr;
    if (has_whole) inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), whole);
    std::vector<nv::SampleRows> placed;
    for (int64_t b = 0; b < blocks; ++b) {
      // Sample index: the time index, the block index, or both combined.
      const int64_t sample = time_index >= 0 ? (blocks > 1 ? time_index * blocks + b : time_index) : b;
      if (auto* image = vtkImageData::SafeDownCast(leaves[b])) {
        placed.push_back(this->Extractor->add_sample(image, sample, has_whole ? whole : nullptr, *this->Rows));
      } else if (auto* points = vtkPointSet::SafeDownCast(leaves[b])) {
        vtkMultiProcessController* controller = nv::parallel_controller();
        const int64_t rank = controller ? controller->GetLocalProcessId() : 0;
        // Without GlobalIds, ids are unique per rank and block.
        this->Extractor->add_points(points, (rank << 40) + (b << 32), *this->Rows);
        placed.push_back(nv::SampleRows{});
      } else {
        placed.push_back(nv::SampleRows{});
      }
    }
    this->SampleGathered(input, time_index, placed);
  } catch (const std::exception& e) {
    this->Problem = e.what();
  }
}

int vtkNVFeatureAlgorithm::RequestData(vtkInformation* request, vtkInformationVector** inputVector,
                                       vtkInformationVector* outputVector) {
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  if (this->CurrentTimeIndex == 0) {
    *this->Rows = nv::FeatureSet{};
    this->Problem.clear();
    this->Extractor.reset();
    this->OutputTimeIndex = -1;
    if (this->OverTime) {
      // The step the first output shows: the last one at or before the requested time.
      vtkInformation* outInfo = outputVector->GetInformationObject(0);
      const double t = outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP())
                           ? outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP())
                           : this->AllTimeSteps.front();
      this->OutputTimeIndex = 0;
      for (size_t k = 0; k < this->AllTimeSteps.size(); ++k)
        if (this->AllTimeSteps[k] <= t) this->OutputTimeIndex = static_cast<int>(k);
    }
    try {
      nv::FeatureSettings settings;
      settings.model_file = this->ModelFile;
      settings.layer = this->Layer;
      settings.channel_mapping = this->ChannelMapping;
      settings.feature_arrays = this->FeatureArrays;
      settings.granularity = this->Granularity;
      settings.patch_size = this->PatchSize;
      settings.label_array = this->LabelArray;
      settings.prediction_array = this->PredictionArray;
      settings.error_array = this->ErrorArray;
      // Point sets (e.g. an embedding) need no model: their coordinates are the features.
      settings.point_input = vtkPointSet::SafeDownCast(input) != nullptr;
      if (settings.point_input) settings.model_file.clear();
      this->Extractor = std::make_unique<nv::FeatureExtractor>(settings);
    } catch (const std::exception& e) {
      this->Problem = e.what();
    }
  }

  // A rank that owns no time step gathers nothing but still joins the collectives.
  if (!this->OverTime || !this->TimeSteps.empty()) this->Gather(input, inInfo);
  if (this->OverTime && !this->TimeSteps.empty()) {
    ++this->CurrentTimeIndex;
    this->UpdateProgress(0.5 * this->CurrentTimeIndex / this->TimeSteps.size());
    if (this->CurrentTimeIndex < this->TimeSteps.size()) {
      request->Set(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING(), 1);
      return 1;
    }
    request->Remove(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING());
  }
  this->CurrentTimeIndex = 0;

  nv::ControllerCommunicator comm;
  if (!nv::all_ranks_ok(comm, this->Problem.empty())) {
    vtkErrorMacro(<< "cannot extract features: "
                  << (this->Problem.empty() ? "another rank could not extract its features" : this->Problem));
    *this->Rows = nv::FeatureSet{};
    return 0;
  }
  const int result = this->ProcessFeatures(*this->Rows, inputVector, outputVector);
  *this->Rows = nv::FeatureSet{};
  this->UpdateProgress(1.0);
  return result;
}

void vtkNVFeatureAlgorithm::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "ModelFile: " << this->ModelFile << "\n"
     << indent << "Layer: " << this->Layer << "\n"
     << indent << "Granularity: " << this->Granularity << "\n"
     << indent << "MaxPoints: " << this->MaxPoints << "\n";
}

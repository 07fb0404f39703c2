#include "vtkNVNormalizeChannels.h"

#include <memory>
#include <stdexcept>

#include "neuralview/channel_statistics.h"
#include "nvArrayChannels.h"
#include "nvControllerCommunicator.h"
#include "vtkCellData.h"
#include "vtkCompositeDataIterator.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataSet.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkSmartPointer.h"
#include "vtkStringArray.h"
#include "vtkTable.h"

vtkStandardNewMacro(vtkNVNormalizeChannels);

namespace {

// The leaves of a composite dataset, or the dataset itself.
std::vector<vtkDataSet*> leaves_of(vtkDataObject* data) {
  std::vector<vtkDataSet*> leaves;
  if (auto* dataset = vtkDataSet::SafeDownCast(data)) {
    leaves.push_back(dataset);
  } else if (auto* composite = vtkCompositeDataSet::SafeDownCast(data)) {
    vtkSmartPointer<vtkCompositeDataIterator> it;
    it.TakeReference(composite->NewIterator());
    for (it->InitTraversal(); !it->IsDoneWithTraversal(); it->GoToNextItem())
      if (auto* leaf = vtkDataSet::SafeDownCast(it->GetCurrentDataObject())) leaves.push_back(leaf);
  }
  return leaves;
}

vtkSmartPointer<vtkDoubleArray> named_values(const char* name, const std::vector<double>& values) {
  auto array = vtkSmartPointer<vtkDoubleArray>::New();
  array->SetName(name);
  for (double v : values) array->InsertNextValue(v);
  return array;
}

}  // namespace

vtkNVNormalizeChannels::vtkNVNormalizeChannels() { this->SetNumberOfOutputPorts(2); }

vtkNVNormalizeChannels::~vtkNVNormalizeChannels() = default;

void vtkNVNormalizeChannels::AddInputArray(const char* name) {
  if (!name) return;
  this->InputArrays.emplace_back(name);
  this->Modified();
}

void vtkNVNormalizeChannels::ClearInputArrays() {
  if (this->InputArrays.empty()) return;
  this->InputArrays.clear();
  this->Modified();
}

int vtkNVNormalizeChannels::GetNumberOfInputArrays() const { return static_cast<int>(this->InputArrays.size()); }

const char* vtkNVNormalizeChannels::GetInputArray(int index) const {
  return index >= 0 && index < this->GetNumberOfInputArrays() ? this->InputArrays[index].c_str() : nullptr;
}

void vtkNVNormalizeChannels::SetReferenceMean(const double* values, int count) {
  this->ReferenceMean.assign(values, values + count);
  this->Modified();
}

void vtkNVNormalizeChannels::SetReferenceStdDev(const double* values, int count) {
  this->ReferenceStdDev.assign(values, values + count);
  this->Modified();
}

void vtkNVNormalizeChannels::AddReferenceMean(double value) {
  this->ReferenceMean.push_back(value);
  this->Modified();
}

void vtkNVNormalizeChannels::ClearReferenceMean() {
  this->ReferenceMean.clear();
  this->Modified();
}

void vtkNVNormalizeChannels::AddReferenceStdDev(double value) {
  this->ReferenceStdDev.push_back(value);
  this->Modified();
}

void vtkNVNormalizeChannels::ClearReferenceStdDev() {
  this->ReferenceStdDev.clear();
  this->Modified();
}

int vtkNVNormalizeChannels::FillInputPortInformation(int, vtkInformation* info) {
  info->Remove(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE());
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkDataSet");
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkCompositeDataSet");
  return 1;
}

int vtkNVNormalizeChannels::FillOutputPortInformation(int port, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), port == 0 ? "vtkDataObject" : "vtkTable");
  return 1;
}

int vtkNVNormalizeChannels::RequestDataObject(vtkInformation*, vtkInformationVector** inputVector,
                                              vtkInformationVector* outputVector) {
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  if (!input) return 0;
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkDataObject* output = vtkDataObject::GetData(outInfo);
  if (!output || !output->IsA(input->GetClassName())) {
    vtkSmartPointer<vtkDataObject> fresh;
    fresh.TakeReference(input->NewInstance());
    outInfo->Set(vtkDataObject::DATA_OBJECT(), fresh);
  }
  vtkInformation* tableInfo = outputVector->GetInformationObject(1);
  if (!vtkTable::GetData(tableInfo)) tableInfo->Set(vtkDataObject::DATA_OBJECT(), vtkSmartPointer<vtkTable>::New());
  return 1;
}

int vtkNVNormalizeChannels::RequestData(vtkInformation*, vtkInformationVector** inputVector,
                                        vtkInformationVector* outputVector) {
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  vtkDataObject* output = vtkDataObject::GetData(outputVector, 0);
  vtkTable* table = vtkTable::GetData(outputVector, 1);
  output->ShallowCopy(input);
  nv::ControllerCommunicator comm;

  // Read every local leaf first. Any problem is agreed on by all ranks before
  // the reductions below, so that one rank's error never leaves the others
  // waiting in a collective.
  std::vector<vtkDataSet*> outLeaves = leaves_of(output);
  std::vector<nv::ArrayChannels> channels(outLeaves.size());
  std::string problem;
  try {
    if (this->InputArrays.empty()) throw std::invalid_argument("no input arrays are selected");
    for (size_t i = 0; i < outLeaves.size(); ++i) channels[i] = nv::extract_channels(outLeaves[i], this->InputArrays);
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (!nv::all_ranks_ok(comm, problem.empty())) {
    vtkErrorMacro(<< (problem.empty() ? "another rank could not read the input arrays" : problem));
    return 0;
  }

  // Channel names come from the first non-empty leaf. The channel count must
  // agree across ranks for the reductions; a rank with only empty pieces
  // learns it from the others.
  std::vector<std::string> names;
  for (const auto& c : channels) {
    if (c.tuples == 0) continue;
    if (names.empty()) names = c.channel_names;
    if (c.channel_names != names) problem = "blocks disagree on the number of components of the input arrays";
  }
  double width = static_cast<double>(names.size());
  comm.allreduce_max(&width, 1);
  if (problem.empty() && !names.empty() && width != static_cast<double>(names.size()))
    problem = "ranks disagree on the number of channels of the input arrays";
  const size_t nchannels = static_cast<size_t>(width);

  // Accumulate locally (this rejects NaN and Inf), agree, then reduce.
  std::unique_ptr<nv::ChannelStatisticsAccumulator> accumulator;
  if (problem.empty() && nchannels > 0) {
    try {
      accumulator = std::make_unique<nv::ChannelStatisticsAccumulator>(nchannels);
      for (const auto& c : channels) accumulator->add_interleaved(c.interleaved.data(), c.tuples);
    } catch (const std::exception& e) {
      problem = std::string("cannot normalise: ") + e.what();
    }
  }
  if (!nv::all_ranks_ok(comm, problem.empty())) {
    vtkErrorMacro(<< (problem.empty() ? "another rank has invalid values in the input arrays" : problem));
    return 0;
  }
  if (nchannels == 0) {
    vtkWarningMacro(<< "the input holds no values in the selected arrays; nothing to normalise");
    return 1;
  }
  nv::ChannelStatistics stats = accumulator->reduce(comm);

  if (this->UseReferenceStatistics) {
    if (this->ReferenceMean.size() != nchannels || this->ReferenceStdDev.size() != nchannels) {
      vtkErrorMacro(<< "reference statistics have " << this->ReferenceMean.size() << " means and "
                    << this->ReferenceStdDev.size() << " standard deviations, but the selected arrays give "
                    << nchannels << " channels");
      return 0;
    }
    stats.mean = this->ReferenceMean;
    stats.stddev = this->ReferenceStdDev;
  }

  for (size_t i = 0; i < outLeaves.size(); ++i) {
    const nv::ArrayChannels& c = channels[i];
    if (c.tuples == 0) continue;
    std::vector<float> planar(c.tuples * nchannels);
    nv::normalize_to_planar(c.interleaved.data(), c.tuples, stats, planar.data());
    auto array = nv::make_interleaved_array(this->OutputArrayName, planar.data(), c.tuples, names);
    if (c.association == vtkDataObject::FIELD_ASSOCIATION_CELLS)
      outLeaves[i]->GetCellData()->AddArray(array);
    else
      outLeaves[i]->GetPointData()->AddArray(array);
    outLeaves[i]->GetFieldData()->AddArray(named_values("ChannelMean", stats.mean));
    outLeaves[i]->GetFieldData()->AddArray(named_values("ChannelStdDev", stats.stddev));
  }

  if (comm.rank() == 0) {
    auto channelColumn = vtkSmartPointer<vtkStringArray>::New();
    channelColumn->SetName("Channel");
    for (const std::string& n : names) channelColumn->InsertNextValue(n);
    // A rank-0 with only empty pieces knows the width but not the names.
    for (size_t c = names.size(); c < nchannels; ++c) channelColumn->InsertNextValue("channel " + std::to_string(c));
    table->AddColumn(channelColumn);
    table->AddColumn(named_values("Mean", stats.mean));
    table->AddColumn(named_values("StdDev", stats.stddev));
    table->AddColumn(named_values("Minimum", stats.minimum));
    table->AddColumn(named_values("Maximum", stats.maximum));
    table->AddColumn(named_values("Count", std::vector<double>(nchannels, stats.count)));
  }
  return 1;
}

void vtkNVNormalizeChannels::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "InputArrays:";
  for (const auto& name : this->InputArrays) os << " " << name;
  os << "\n" << indent << "OutputArrayName: " << this->OutputArrayName << "\n";
  os << indent << "UseReferenceStatistics: " << this->UseReferenceStatistics << "\n";
}

#include "vtkNVHepCNNWriter.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "neuralview/calorimeter.h"
#include "nvCaloHDF5.h"
#include "vtkCellData.h"
#include "vtkCompositeDataIterator.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataArray.h"
#include "vtkFieldData.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"

vtkStandardNewMacro(vtkNVHepCNNWriter);

struct vtkNVHepCNNWriter::Events {
  int width = 0, height = 0;
  double eta_max = 0;
  std::vector<float> data;
  std::vector<int32_t> labels;
  std::vector<float> weights, normweights;
  std::vector<std::vector<nv::calo::Jet>> jets;
  bool all_have_jets = true;
};

namespace {

double field_value(vtkFieldData* fd, const char* name, double fallback) {
  vtkDataArray* a = fd->GetArray(name);
  return a && a->GetNumberOfTuples() > 0 ? a->GetComponent(0, 0) : fallback;
}

}  // namespace

vtkNVHepCNNWriter::vtkNVHepCNNWriter() : Gathered(std::make_unique<Events>()) {}

vtkNVHepCNNWriter::~vtkNVHepCNNWriter() = default;

void vtkNVHepCNNWriter::AddChannelArray(const char* name) {
  if (!name) return;
  this->ChannelArrays.emplace_back(name);
  this->Modified();
}

void vtkNVHepCNNWriter::ClearChannelArrays() {
  this->ChannelArrays.clear();
  this->Modified();
}

int vtkNVHepCNNWriter::FillInputPortInformation(int, vtkInformation* info) {
  info->Remove(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE());
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkCompositeDataSet");
  return 1;
}

void vtkNVHepCNNWriter::BeginEvents() { *this->Gathered = Events{}; }

void vtkNVHepCNNWriter::AddEvents(vtkDataObject* input) {
  std::vector<std::string> channels = this->ChannelArrays;
  if (channels.empty()) channels = {"ECAL", "HCAL", "Tracks"};
  Events& events = *this->Gathered;
  auto take = [&](vtkImageData* image) {
    if (!image || image->GetNumberOfPoints() == 0) return;
    int dims[3];
    image->GetDimensions(dims);
    if (dims[2] > 1)
      throw std::invalid_argument("images must be 2-D, this one has " + std::to_string(dims[2]) + " layers");
    std::vector<vtkDataArray*> arrays;
    bool cells = true;
    for (const std::string& name : channels) {
      vtkDataArray* a = image->GetCellData()->GetArray(name.c_str());
      if (!a && arrays.empty() && image->GetPointData()->GetArray(name.c_str())) cells = false;
      if (!cells) a = image->GetPointData()->GetArray(name.c_str());
      if (!a) throw std::invalid_argument("an event has no cell array '" + name + "'");
      if (a->GetNumberOfComponents() != 1)
        throw std::invalid_argument("channel '" + name + "' must have one component");
      arrays.push_back(a);
    }
    const int width = cells ? std::max(dims[0] - 1, 1) : dims[0], height = cells ? std::max(dims[1] - 1, 1) : dims[1];
    if (events.labels.empty()) {
      events.width = width;
      events.height = height;
      double spacing[3], origin[3];
      image->GetSpacing(spacing);
      image->GetOrigin(origin);
      events.eta_max = cells ? -origin[0] : -origin[0] + 0.5 * spacing[0];
    } else if (width != events.width || height != events.height) {
      throw std::invalid_argument("events differ in size: " + std::to_string(width) + " x " + std::to_string(height) +
                                  " after " + std::to_string(events.width) + " x " + std::to_string(events.height));
    }
    const vtkIdType pixels = static_cast<vtkIdType>(width) * height;
    for (vtkDataArray* a : arrays) {
      if (a->GetNumberOfTuples() != pixels) throw std::invalid_argument("a channel does not match the image size");
      for (vtkIdType p = 0; p < pixels; ++p) events.data.push_back(static_cast<float>(a->GetComponent(p, 0)));
    }
    vtkFieldData* fd = image->GetFieldData();
    vtkDataArray* label = fd->GetArray(this->LabelArray.c_str());
    if (!label || label->GetNumberOfTuples() < 1)
      throw std::invalid_argument("an event has no field-data label '" + this->LabelArray + "'");
    events.labels.push_back(static_cast<int32_t>(std::lround(label->GetComponent(0, 0))));
    events.weights.push_back(static_cast<float>(field_value(fd, "Weight", 1.0)));
    events.normweights.push_back(static_cast<float>(field_value(fd, "NormWeight", 1.0)));
    vtkDataArray *pt = fd->GetArray("JetPt"), *eta = fd->GetArray("JetEta"), *phi = fd->GetArray("JetPhi"),
                 *mass = fd->GetArray("JetMass");
    std::vector<nv::calo::Jet> jets;
    if (pt && eta && phi && mass) {
      for (vtkIdType j = 0; j < pt->GetNumberOfTuples(); ++j)
        jets.push_back(
            {pt->GetComponent(j, 0), eta->GetComponent(j, 0), phi->GetComponent(j, 0), mass->GetComponent(j, 0), 0});
    } else {
      events.all_have_jets = false;
    }
    events.jets.push_back(std::move(jets));
  };
  if (auto* composite = vtkCompositeDataSet::SafeDownCast(input)) {
    vtkSmartPointer<vtkCompositeDataIterator> it;
    it.TakeReference(composite->NewIterator());
    for (it->InitTraversal(); !it->IsDoneWithTraversal(); it->GoToNextItem())
      take(vtkImageData::SafeDownCast(it->GetCurrentDataObject()));
  } else {
    take(vtkImageData::SafeDownCast(input));
  }
}

int vtkNVHepCNNWriter::WriteEvents() {
  Events& events = *this->Gathered;
  const uint64_t n = events.labels.size();
  if (n == 0) throw std::invalid_argument("the input holds no events");
  std::vector<std::string> channels = this->ChannelArrays;
  if (channels.empty()) channels = {"ECAL", "HCAL", "Tracks"};
  const uint64_t c = channels.size(), h = static_cast<uint64_t>(events.height), w = static_cast<uint64_t>(events.width);
  nv::h5::File file = nv::h5::File::create(this->FileName);
  if (this->NormalizeChannels) {
    std::vector<double> maximum(c, 0.0);
    for (uint64_t e = 0; e < n; ++e)
      for (uint64_t k = 0; k < c; ++k)
        for (uint64_t p = 0; p < h * w; ++p)
          maximum[k] = std::max<double>(maximum[k], events.data[(e * c + k) * h * w + p]);
    for (double& m : maximum)
      if (!(m > 0)) m = 1.0;
    for (uint64_t e = 0; e < n; ++e)
      for (uint64_t k = 0; k < c; ++k)
        for (uint64_t p = 0; p < h * w; ++p)
          events.data[(e * c + k) * h * w + p] = static_cast<float>(events.data[(e * c + k) * h * w + p] / maximum[k]);
    file.write_double_attribute("channel_maximum", maximum);
  }
  file.write_float("data", {n, c, h, w}, events.data);
  file.write_int("label", {n}, events.labels);
  file.write_float("weight", {n}, events.weights);
  file.write_float("normweight", {n}, events.normweights);
  file.write_strings_attribute("channel_names", channels);
  file.write_double_attribute("eta_max", {events.eta_max});
  if (events.all_have_jets) {
    size_t most = 1;
    for (const auto& jets : events.jets) most = std::max(most, jets.size());
    std::vector<float> pt(n * most, 0.0f), eta(n * most, 0.0f), phi(n * most, 0.0f), mass(n * most, 0.0f);
    std::vector<uint8_t> pass(n, 0);
    for (uint64_t e = 0; e < n; ++e) {
      const auto& jets = events.jets[e];
      for (size_t j = 0; j < jets.size(); ++j) {
        pt[e * most + j] = static_cast<float>(jets[j].pt);
        eta[e * most + j] = static_cast<float>(jets[j].eta);
        phi[e * most + j] = static_cast<float>(jets[j].phi);
        mass[e * most + j] = static_cast<float>(jets[j].mass);
      }
      pass[e] = nv::calo::cut_based_selection(jets).signal_region ? 1 : 0;
    }
    file.write_float("jet_pt", {n, most}, pt);
    file.write_float("jet_eta", {n, most}, eta);
    file.write_float("jet_phi", {n, most}, phi);
    file.write_float("jet_mass", {n, most}, mass);
    file.write_uint8("passSR", {n}, pass);
  }
  return static_cast<int>(n);
}

void vtkNVHepCNNWriter::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "LabelArray: " << this->LabelArray << "\n"
     << indent << "NormalizeChannels: " << this->NormalizeChannels << "\n";
}

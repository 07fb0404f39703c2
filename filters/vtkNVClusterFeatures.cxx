#include "vtkNVClusterFeatures.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "neuralview/agglomerative.h"
#include "neuralview/dbscan.h"
#include "neuralview/kmeans.h"
#include "neuralview/silhouette.h"
#include "nvControllerCommunicator.h"
#include "nvFeatureVectors.h"
#include "vtkCellData.h"
#include "vtkCompositeDataIterator.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataSetAttributes.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkIdTypeArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkMultiProcessController.h"
#include "vtkNew.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkPointSet.h"
#include "vtkStringArray.h"
#include "vtkTable.h"

vtkStandardNewMacro(vtkNVClusterFeatures);

namespace {

constexpr size_t agglomerative_limit = 5000;

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

// What every rank needs to label its rows: reference points with their
// cluster (centres, or DBSCAN's core points), and the labels of fitted rows.
struct ClusterFit {
  size_t dimension = 0;
  double eps = 0;  // > 0: DBSCAN, farther than eps from every core point is noise
  std::vector<double> references;
  std::vector<int64_t> reference_labels;
  std::map<int64_t, int64_t> fitted;  // global id -> cluster

  std::vector<double> encode() const {
    std::vector<double> v = {static_cast<double>(dimension), eps, static_cast<double>(reference_labels.size()),
                             static_cast<double>(fitted.size())};
    v.insert(v.end(), references.begin(), references.end());
    for (int64_t l : reference_labels) v.push_back(static_cast<double>(l));
    for (const auto& [id, l] : fitted) v.push_back(static_cast<double>(id)), v.push_back(static_cast<double>(l));
    return v;
  }
  static ClusterFit decode(const std::vector<double>& v) {
    ClusterFit fit;
    fit.dimension = static_cast<size_t>(v[0]);
    fit.eps = v[1];
    const size_t refs = static_cast<size_t>(v[2]), fitted = static_cast<size_t>(v[3]);
    size_t at = 4;
    fit.references.assign(v.begin() + at, v.begin() + at + refs * fit.dimension);
    at += refs * fit.dimension;
    for (size_t r = 0; r < refs; ++r) fit.reference_labels.push_back(static_cast<int64_t>(v[at++]));
    for (size_t r = 0; r < fitted; ++r, at += 2)
      fit.fitted[static_cast<int64_t>(v[at])] = static_cast<int64_t>(v[at + 1]);
    return fit;
  }

  int64_t label_of(const double* x, int64_t global_id) const {
    auto it = fitted.find(global_id);
    if (it != fitted.end()) return it->second;
    double best = std::numeric_limits<double>::max();
    int64_t label = -1;
    for (size_t r = 0; r < reference_labels.size(); ++r) {
      double d = 0;
      for (size_t c = 0; c < dimension; ++c) {
        const double e = x[c] - references[r * dimension + c];
        d += e * e;
      }
      if (d < best) best = d, label = reference_labels[r];
    }
    if (eps > 0 && best > eps * eps) return -1;
    return label;
  }
};

// Mean of the rows of each cluster (labels 0..k-1).
void centroids(const nv::FeatureSet& rows, const std::vector<int64_t>& labels, ClusterFit& fit) {
  std::map<int64_t, std::pair<std::vector<double>, size_t>> sums;
  const size_t D = rows.dimension;
  for (size_t i = 0; i < rows.rows(); ++i) {
    if (labels[i] < 0) continue;
    auto& s = sums[labels[i]];
    if (s.first.empty()) s.first.assign(D, 0.0);
    for (size_t c = 0; c < D; ++c) s.first[c] += rows.values[i * D + c];
    ++s.second;
  }
  for (const auto& [label, s] : sums) {
    for (size_t c = 0; c < D; ++c) fit.references.push_back(s.first[c] / s.second);
    fit.reference_labels.push_back(label);
  }
}

template <typename ArrayType>
vtkSmartPointer<ArrayType> named(const char* name, vtkIdType tuples) {
  auto array = vtkSmartPointer<ArrayType>::New();
  array->SetName(name);
  array->SetNumberOfTuples(tuples);
  return array;
}

}  // namespace

vtkNVClusterFeatures::vtkNVClusterFeatures() { this->SetNumberOfOutputPorts(3); }

vtkNVClusterFeatures::~vtkNVClusterFeatures() = default;

int vtkNVClusterFeatures::FillOutputPortInformation(int port, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), port == 0 ? "vtkDataObject" : "vtkTable");
  return 1;
}

int vtkNVClusterFeatures::RequestDataObject(vtkInformation*, vtkInformationVector** inputVector,
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
  for (int port = 1; port < 3; ++port) {
    vtkInformation* info = outputVector->GetInformationObject(port);
    if (!vtkTable::GetData(info)) info->Set(vtkDataObject::DATA_OBJECT(), vtkSmartPointer<vtkTable>::New());
  }
  return 1;
}

void vtkNVClusterFeatures::SampleGathered(vtkDataObject* input, int time_index,
                                          const std::vector<nv::SampleRows>& placed) {
  // Without time every pass is the one shown; over time, only the step the view asks for.
  if (time_index >= 0 && time_index != this->OutputTimeIndex) return;
  this->Kept.TakeReference(input->NewInstance());
  this->Kept->ShallowCopy(input);
  this->KeptRows = placed;
}

int vtkNVClusterFeatures::ProcessFeatures(nv::FeatureSet& rows, vtkInformationVector**,
                                          vtkInformationVector* outputVector) {
  vtkDataObject* output = vtkDataObject::GetData(outputVector, 0);
  vtkTable* summary = vtkTable::GetData(outputVector, 1);
  vtkTable* assignments = vtkTable::GetData(outputVector, 2);
  vtkMultiProcessController* controller = nv::parallel_controller();
  const bool root = !controller || controller->GetLocalProcessId() == 0;
  nv::ControllerCommunicator comm;
  std::string problem;

  size_t limit = static_cast<size_t>(this->MaxPoints);
  if (this->Method == AGGLOMERATIVE && (limit == 0 || limit > agglomerative_limit)) limit = agglomerative_limit;
  nv::FeatureSet all;
  try {
    all = nv::gather_subsample_to_root(rows, limit, static_cast<uint64_t>(this->Seed), controller);
  } catch (const std::exception& e) {
    problem = e.what();
  }

  // Rank 0 fits.
  ClusterFit fit;
  std::vector<int64_t> labels;
  std::vector<double> silhouettes;
  double score = std::numeric_limits<double>::quiet_NaN();
  const size_t n = all.rows(), D = all.dimension;
  if (problem.empty() && root) {
    try {
      if (n == 0) throw std::invalid_argument("the input holds no feature vectors (is it empty?)");
      fit.dimension = D;
      if (this->Method == KMEANS) {
        if (static_cast<size_t>(this->K) > n)
          throw std::invalid_argument("K = " + std::to_string(this->K) + " clusters but only " + std::to_string(n) +
                                      " points");
        nv::KMeansOptions options;
        options.clusters = static_cast<size_t>(this->K);
        options.seed = static_cast<uint64_t>(this->Seed);
        nv::KMeansResult result = nv::kmeans(all.values, D, options);
        labels = result.labels;
        fit.references = result.centers;
        for (int k = 0; k < this->K; ++k) fit.reference_labels.push_back(k);
      } else if (this->Method == DBSCAN) {
        if (this->Eps <= 0) throw std::invalid_argument("Eps must be positive");
        nv::DbscanOptions options;
        options.eps = this->Eps;
        options.min_samples = static_cast<size_t>(this->MinPoints);
        nv::DbscanResult result = nv::dbscan(all.values, D, options);
        labels = result.labels;
        fit.eps = this->Eps;
        for (size_t i = 0; i < n; ++i)
          if (result.core[i]) {
            fit.references.insert(fit.references.end(), all.values.begin() + i * D, all.values.begin() + (i + 1) * D);
            fit.reference_labels.push_back(labels[i]);
          }
      } else {
        if (static_cast<size_t>(this->K) > n)
          throw std::invalid_argument("K = " + std::to_string(this->K) + " clusters but only " + std::to_string(n) +
                                      " points");
        labels = nv::agglomerative_clustering(all.values, D, static_cast<size_t>(this->K), nv::Linkage::ward);
        centroids(all, labels, fit);
      }
      for (size_t i = 0; i < n; ++i) fit.fitted[all.global_ids[i]] = labels[i];
      const std::set<int64_t> distinct(labels.begin(), labels.end());
      if (distinct.size() >= 2 && distinct.size() <= n - 1) {
        silhouettes = nv::silhouette_samples(all.values, D, labels);
        double sum = 0;
        for (double s : silhouettes) sum += s;
        score = sum / n;
      } else {
        vtkWarningMacro(<< "the silhouette score needs 2 to n-1 clusters; found " << distinct.size());
      }
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  if (!nv::all_ranks_ok(comm, problem.empty())) {
    vtkErrorMacro(<< "cannot cluster the features: " << (problem.empty() ? "rank 0 failed" : problem));
    this->Kept = nullptr;
    return 0;
  }
  std::vector<double> encoded = root ? fit.encode() : std::vector<double>{};
  nv::broadcast_from_root(encoded, controller);
  if (!root) fit = ClusterFit::decode(encoded);

  // Every rank labels its rows and writes them onto the data shown.
  std::vector<int64_t> row_labels(rows.rows());
  for (size_t r = 0; r < rows.rows(); ++r)
    row_labels[r] = fit.label_of(rows.values.data() + r * rows.dimension, rows.global_ids[r]);
  vtkDataObject* shown = this->Kept ? this->Kept.Get() : nullptr;
  if (!shown) output->Initialize();  // another rank owns the time step shown
  if (shown) {
    output->ShallowCopy(shown);
    std::vector<vtkDataObject*> leaves = leaves_of(output);
    for (size_t b = 0; b < leaves.size() && b < this->KeptRows.size(); ++b) {
      const nv::SampleRows& placed = this->KeptRows[b];
      if (auto* points = vtkPointSet::SafeDownCast(leaves[b])) {
        // Point-set rows follow the points' order; their rows were appended in that order.
        auto cluster = named<vtkIntArray>("Cluster", points->GetNumberOfPoints());
        size_t first = 0;
        for (size_t c = 0; c < b; ++c)
          if (auto* before = vtkPointSet::SafeDownCast(leaves[c])) first += before->GetNumberOfPoints();
        for (vtkIdType i = 0; i < points->GetNumberOfPoints(); ++i)
          cluster->SetValue(i, static_cast<int>(row_labels[first + i]));
        points->GetPointData()->AddArray(cluster);
        points->GetPointData()->SetActiveScalars("Cluster");
        continue;
      }
      auto* image = vtkImageData::SafeDownCast(leaves[b]);
      if (!image || placed.row_count == 0) continue;
      if (placed.granularity == PER_SAMPLE) {
        auto cluster = named<vtkIntArray>("Cluster", 1);
        cluster->SetValue(0, static_cast<int>(row_labels[placed.first_row]));
        image->GetFieldData()->AddArray(cluster);
        continue;
      }
      vtkDataSetAttributes* attributes = placed.association == vtkDataObject::FIELD_ASSOCIATION_CELLS
                                             ? static_cast<vtkDataSetAttributes*>(image->GetCellData())
                                             : image->GetPointData();
      const vtkIdType tuples = static_cast<vtkIdType>(placed.tuple_row.size());
      auto cluster = named<vtkIntArray>("Cluster", tuples);
      for (vtkIdType i = 0; i < tuples; ++i) {
        const int64_t row = placed.tuple_row[i];
        cluster->SetValue(i, row < 0 ? -1 : static_cast<int>(row_labels[placed.first_row + row]));
      }
      attributes->AddArray(cluster);
      attributes->SetActiveScalars("Cluster");
    }
  }
  this->Kept = nullptr;
  this->KeptRows.clear();

  // Tables on rank 0.
  if (root) {
    std::map<int64_t, std::pair<size_t, double>> per_cluster;
    for (size_t i = 0; i < n; ++i) {
      auto& entry = per_cluster[labels[i]];
      ++entry.first;
      entry.second += silhouettes.empty() ? 0.0 : silhouettes[i];
    }
    const vtkIdType clusters = static_cast<vtkIdType>(per_cluster.size());
    auto id = named<vtkIntArray>("Cluster", clusters);
    auto count = named<vtkIdTypeArray>("Points", clusters);
    auto mean = named<vtkDoubleArray>("Silhouette", clusters);
    vtkIdType row = 0;
    for (const auto& [label, entry] : per_cluster) {
      id->SetValue(row, static_cast<int>(label));
      count->SetValue(row, static_cast<vtkIdType>(entry.first));
      mean->SetValue(row, silhouettes.empty() ? std::numeric_limits<double>::quiet_NaN() : entry.second / entry.first);
      ++row;
    }
    summary->AddColumn(id);
    summary->AddColumn(count);
    summary->AddColumn(mean);
    auto total = named<vtkDoubleArray>("SilhouetteScore", 1);
    total->SetValue(0, score);
    summary->GetFieldData()->AddArray(total);
    vtkNew<vtkStringArray> layer;
    layer->SetName("Layer");
    layer->InsertNextValue(this->LayerUsed());
    summary->GetFieldData()->AddArray(layer);

    const vtkIdType m = static_cast<vtkIdType>(n);
    auto ids = named<vtkIdTypeArray>("GlobalIds", m);
    auto sample = named<vtkIdTypeArray>("SampleIndex", m);
    auto point = named<vtkIdTypeArray>("PointIndex", m);
    auto cluster = named<vtkIntArray>("Cluster", m);
    for (vtkIdType i = 0; i < m; ++i) {
      ids->SetValue(i, all.global_ids[i]);
      sample->SetValue(i, all.sample_index[i]);
      point->SetValue(i, all.point_index[i]);
      cluster->SetValue(i, static_cast<int>(labels[i]));
    }
    assignments->AddColumn(ids);
    assignments->AddColumn(sample);
    assignments->AddColumn(point);
    assignments->AddColumn(cluster);
    auto add_values = [&](const char* name, const std::vector<double>& values) {
      auto array = named<vtkDoubleArray>(name, m);
      for (vtkIdType i = 0; i < m; ++i) array->SetValue(i, values[i]);
      assignments->AddColumn(array);
    };
    if (all.has_label) add_values("Label", all.label);
    if (all.has_prediction) add_values("Prediction", all.prediction);
    if (all.has_error) add_values("Error", all.error);
  }
  return 1;
}

void vtkNVClusterFeatures::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Method: " << this->Method << "\n" << indent << "K: " << this->K << "\n";
}

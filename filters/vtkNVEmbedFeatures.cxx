#include "vtkNVEmbedFeatures.h"

#include <cmath>
#include <stdexcept>

#include "neuralview/pca.h"
#include "neuralview/tsne.h"
#include "neuralview/umap.h"
#include "nvControllerCommunicator.h"
#include "nvFeatureVectors.h"
#include "vtkCellArray.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkIdTypeArray.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkMultiProcessController.h"
#include "vtkNew.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkPoints.h"
#include "vtkPolyData.h"
#include "vtkSmartPointer.h"
#include "vtkStringArray.h"

vtkStandardNewMacro(vtkNVEmbedFeatures);

namespace {

template <typename ArrayType>
vtkSmartPointer<ArrayType> named(const char* name, vtkIdType tuples) {
  auto array = vtkSmartPointer<ArrayType>::New();
  array->SetName(name);
  array->SetNumberOfTuples(tuples);
  return array;
}

}  // namespace

vtkNVEmbedFeatures::vtkNVEmbedFeatures() = default;

vtkNVEmbedFeatures::~vtkNVEmbedFeatures() = default;

int vtkNVEmbedFeatures::FillOutputPortInformation(int, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), "vtkPolyData");
  return 1;
}

int vtkNVEmbedFeatures::ProcessFeatures(nv::FeatureSet& rows, vtkInformationVector**,
                                        vtkInformationVector* outputVector) {
  vtkPolyData* output = vtkPolyData::GetData(outputVector, 0);
  vtkMultiProcessController* controller = nv::parallel_controller();
  const bool root = !controller || controller->GetLocalProcessId() == 0;
  nv::ControllerCommunicator comm;
  std::string problem;
  nv::FeatureSet all;
  try {
    all = nv::gather_subsample_to_root(rows, static_cast<size_t>(this->MaxPoints), static_cast<uint64_t>(this->Seed),
                                       controller);
  } catch (const std::exception& e) {
    problem = e.what();  // the same on every rank: it comes from a reduction
  }
  std::vector<double> embedding;
  std::vector<double> explained;
  const size_t n = all.rows(), D = all.dimension, k = static_cast<size_t>(this->Dimensions);
  if (problem.empty() && root) {
    try {
      if (n == 0) throw std::invalid_argument("the input holds no feature vectors (is it empty?)");
      if (this->Method == PCA) {
        if (n < 2) throw std::invalid_argument("PCA needs at least 2 points, got " + std::to_string(n));
        const size_t components = std::min(k, std::min(n, D));
        const nv::PcaModel model = nv::pca_fit(all.values, D, components);
        const std::vector<double> projected = nv::pca_transform(model, all.values);
        embedding.assign(n * k, 0.0);
        for (size_t i = 0; i < n; ++i)
          for (size_t c = 0; c < components; ++c) embedding[i * k + c] = projected[i * components + c];
        explained = model.explained_variance_ratio;
      } else if (this->Method == TSNE) {
        if (n < 4) throw std::invalid_argument("t-SNE needs at least 4 points, got " + std::to_string(n));
        nv::TsneOptions options;
        options.components = k;
        options.perplexity = this->Perplexity;
        if (options.perplexity >= static_cast<double>(n)) {
          options.perplexity = std::max(1.0, (n - 1) / 3.0);
          vtkWarningMacro(<< "Perplexity " << this->Perplexity << " is not below the number of points (" << n
                          << "); using " << options.perplexity);
        }
        options.iterations = static_cast<size_t>(std::max(this->Iterations, 251));
        options.seed = static_cast<uint64_t>(this->Seed);
        options.progress = [this, &options](size_t iteration) {
          this->UpdateProgress(0.5 + 0.5 * iteration / options.iterations);
          return true;
        };
        embedding = nv::tsne(all.values, D, options).embedding;
      } else {
        if (n < 3) throw std::invalid_argument("UMAP needs at least 3 points, got " + std::to_string(n));
        nv::UmapOptions options;
        options.components = k;
        options.neighbors = static_cast<size_t>(this->Neighbors);
        if (options.neighbors >= n) {
          options.neighbors = n - 1;
          vtkWarningMacro(<< "Neighbors " << this->Neighbors << " is not below the number of points (" << n
                          << "); using " << options.neighbors);
        }
        options.epochs = static_cast<size_t>(this->Iterations == 1000 ? 0 : this->Iterations);
        options.seed = static_cast<uint64_t>(this->Seed);
        embedding = nv::umap(all.values, D, options).embedding;
      }
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  if (!nv::all_ranks_ok(comm, problem.empty())) {
    vtkErrorMacro(<< "cannot embed the features: " << (problem.empty() ? "rank 0 failed" : problem));
    return 0;
  }

  // The point cloud (empty on ranks other than 0, with the same arrays).
  const vtkIdType count = root ? static_cast<vtkIdType>(n) : 0;
  vtkNew<vtkPoints> points;
  points->SetDataTypeToDouble();
  points->SetNumberOfPoints(count);
  vtkNew<vtkCellArray> vertices;
  for (vtkIdType i = 0; i < count; ++i) {
    double x[3] = {embedding[i * k], embedding[i * k + 1], k == 3 ? embedding[i * k + 2] : 0.0};
    points->SetPoint(i, x);
    vertices->InsertNextCell(1, &i);
  }
  output->SetPoints(points);
  output->SetVerts(vertices);
  auto sample = named<vtkIdTypeArray>("SampleIndex", count);
  auto point = named<vtkIdTypeArray>("PointIndex", count);
  auto ids = named<vtkIdTypeArray>("GlobalIds", count);
  for (vtkIdType i = 0; i < count; ++i) {
    sample->SetValue(i, all.sample_index[i]);
    point->SetValue(i, all.point_index[i]);
    ids->SetValue(i, all.global_ids[i]);
  }
  vtkPointData* pd = output->GetPointData();
  auto add_values = [&](const char* name, const std::vector<double>& values) {
    auto array = named<vtkDoubleArray>(name, count);
    for (vtkIdType i = 0; i < count; ++i) array->SetValue(i, values[i]);
    pd->AddArray(array);
  };
  if (all.has_label) add_values("Label", all.label);
  if (all.has_prediction) add_values("Prediction", all.prediction);
  if (all.has_error) add_values("Error", all.error);
  pd->AddArray(sample);
  pd->AddArray(point);
  pd->SetGlobalIds(ids);
  if (all.has_label) pd->SetActiveScalars("Label");
  vtkNew<vtkStringArray> layer;
  layer->SetName("Layer");
  layer->InsertNextValue(this->LayerUsed());
  output->GetFieldData()->AddArray(layer);
  if (!explained.empty()) {
    auto ratio = named<vtkDoubleArray>("ExplainedVarianceRatio", static_cast<vtkIdType>(explained.size()));
    for (size_t c = 0; c < explained.size(); ++c) ratio->SetValue(static_cast<vtkIdType>(c), explained[c]);
    output->GetFieldData()->AddArray(ratio);
  }
  return 1;
}

void vtkNVEmbedFeatures::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Method: " << this->Method << "\n" << indent << "Dimensions: " << this->Dimensions << "\n";
}

#include "vtkNVConfusionMatrix.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "neuralview/agglomerative.h"
#include "nvControllerCommunicator.h"
#include "nvFeatureVectors.h"
#include "vtkCellData.h"
#include "vtkCompositeDataIterator.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataArray.h"
#include "vtkDataSet.h"
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
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkStringArray.h"
#include "vtkTable.h"

vtkStandardNewMacro(vtkNVConfusionMatrix);

namespace {

// Appends the (label, prediction) pairs of one data object.
void collect_pairs(vtkDataObject* data, const std::string& label_name, const std::string& prediction_name,
                   const int* whole, std::vector<std::pair<double, double>>& pairs) {
  vtkDataArray* label = nullptr;
  vtkDataArray* prediction = nullptr;
  std::vector<char> owned;
  if (auto* table = vtkTable::SafeDownCast(data)) {
    label = vtkDataArray::SafeDownCast(table->GetColumnByName(label_name.c_str()));
    prediction = vtkDataArray::SafeDownCast(table->GetColumnByName(prediction_name.c_str()));
  } else if (auto* set = vtkDataSet::SafeDownCast(data)) {
    if (set->GetNumberOfPoints() == 0 && set->GetNumberOfCells() == 0) return;  // an empty piece
    // The first of point, cell and field data that holds both arrays.
    int association = -2;
    bool label_somewhere = false;
    vtkFieldData* candidates[3] = {set->GetPointData(), set->GetCellData(), set->GetFieldData()};
    const int associations[3] = {vtkDataObject::FIELD_ASSOCIATION_POINTS, vtkDataObject::FIELD_ASSOCIATION_CELLS, -1};
    for (int k = 0; k < 3 && association == -2; ++k) {
      vtkDataArray* l = candidates[k]->GetArray(label_name.c_str());
      vtkDataArray* p = candidates[k]->GetArray(prediction_name.c_str());
      label_somewhere = label_somewhere || l;
      if (l && p) label = l, prediction = p, association = associations[k];
    }
    if (!label && label_somewhere)
      throw std::invalid_argument("the input has no prediction array '" + prediction_name +
                                  "' next to the label array '" + label_name + "'");
    if (auto* image = vtkImageData::SafeDownCast(set); image && association >= 0)
      owned = nv::owned_tuples(image, association, whole);
  }
  if (!label || !prediction)
    throw std::invalid_argument("the input has no " + std::string(!label ? "label" : "prediction") + " array '" +
                                (!label ? label_name : prediction_name) +
                                "' (both must be point, cell or field data of the same data set, or table columns)");
  if (label->GetNumberOfComponents() != 1 || prediction->GetNumberOfComponents() != 1)
    throw std::invalid_argument("label and prediction arrays must have one component");
  if (label->GetNumberOfTuples() != prediction->GetNumberOfTuples())
    throw std::invalid_argument("label array '" + label_name + "' and prediction array '" + prediction_name +
                                "' differ in length");
  for (vtkIdType i = 0; i < label->GetNumberOfTuples(); ++i) {
    if (!owned.empty() && !owned[i]) continue;
    const double l = label->GetComponent(i, 0), p = prediction->GetComponent(i, 0);
    if (std::isnan(l) || std::isnan(p)) continue;
    if (l != std::floor(l) || p != std::floor(p))
      throw std::invalid_argument("labels and predictions must be integer class ids, found " + std::to_string(l) +
                                  " and " + std::to_string(p));
    if (l < 0 || p < 0) continue;  // ignore label
    pairs.emplace_back(l, p);
  }
}

}  // namespace

vtkNVConfusionMatrix::vtkNVConfusionMatrix() { this->SetNumberOfOutputPorts(2); }

vtkNVConfusionMatrix::~vtkNVConfusionMatrix() = default;

void vtkNVConfusionMatrix::AddClassName(const char* name) {
  if (!name) return;
  this->ClassNames.emplace_back(name);
  this->Modified();
}

void vtkNVConfusionMatrix::ClearClassNames() {
  this->ClassNames.clear();
  this->Modified();
}

int vtkNVConfusionMatrix::FillInputPortInformation(int, vtkInformation* info) {
  info->Set(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkDataObject");
  return 1;
}

int vtkNVConfusionMatrix::FillOutputPortInformation(int port, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), port == 0 ? "vtkTable" : "vtkImageData");
  return 1;
}

int vtkNVConfusionMatrix::RequestInformation(vtkInformation*, vtkInformationVector**,
                                             vtkInformationVector* outputVector) {
  // The heat map's extent is known only after counting: produce it whole, unsplit.
  vtkInformation* imageInfo = outputVector->GetInformationObject(1);
  imageInfo->Set(vtkAlgorithm::CAN_PRODUCE_SUB_EXTENT(), 0);
  return 1;
}

int vtkNVConfusionMatrix::RequestData(vtkInformation*, vtkInformationVector** inputVector,
                                      vtkInformationVector* outputVector) {
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  vtkTable* table = vtkTable::GetData(outputVector, 0);
  vtkImageData* heat = vtkImageData::GetData(outputVector, 1);
  nv::ControllerCommunicator comm;
  vtkMultiProcessController* controller = nv::parallel_controller();
  const bool root = !controller || controller->GetLocalProcessId() == 0;

  std::string problem;
  std::vector<std::pair<double, double>> pairs;
  try {
    int whole[6];
    const bool has_whole =
        vtkImageData::SafeDownCast(input) && inInfo->Has(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT());
    if (has_whole) inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), whole);
    if (auto* composite = vtkCompositeDataSet::SafeDownCast(input)) {
      vtkSmartPointer<vtkCompositeDataIterator> it;
      it.TakeReference(composite->NewIterator());
      for (it->InitTraversal(); !it->IsDoneWithTraversal(); it->GoToNextItem())
        collect_pairs(it->GetCurrentDataObject(), this->LabelArray, this->PredictionArray, nullptr, pairs);
    } else {
      collect_pairs(input, this->LabelArray, this->PredictionArray, has_whole ? whole : nullptr, pairs);
    }
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (!nv::all_ranks_ok(comm, problem.empty())) {
    vtkErrorMacro(<< "cannot count the confusion matrix: "
                  << (problem.empty() ? "another rank could not read its labels" : problem));
    return 0;
  }
  double top = -1;
  for (const auto& [l, p] : pairs) top = std::max({top, l, p});
  comm.allreduce_max(&top, 1);
  const size_t K = std::max<size_t>(static_cast<size_t>(top + 1), this->ClassNames.size());
  if (K == 0) {
    vtkErrorMacro(<< "cannot count the confusion matrix: the input holds no labelled values");
    return 0;
  }
  if (K > 10000) {
    vtkErrorMacro(<< "cannot count the confusion matrix: class id " << top << " implies too many classes");
    return 0;
  }
  std::vector<double> counts(K * K, 0.0);
  for (const auto& [l, p] : pairs) counts[static_cast<size_t>(l) * K + static_cast<size_t>(p)] += 1;
  comm.allreduce_sum(counts.data(), counts.size());
  if (!root) return 1;

  std::vector<std::string> names(K);
  for (size_t k = 0; k < K; ++k)
    names[k] = k < this->ClassNames.size() ? this->ClassNames[k] : "class" + std::to_string(k);
  std::vector<double> totals(K, 0.0);
  for (size_t i = 0; i < K; ++i)
    for (size_t j = 0; j < K; ++j) totals[i] += counts[i * K + j];

  std::vector<size_t> order(K);
  std::iota(order.begin(), order.end(), 0);
  if (this->Reorder && K > 2) {
    std::vector<double> distance(K * K, 0.0);
    for (size_t i = 0; i < K; ++i)
      for (size_t j = 0; j < K; ++j) {
        if (i == j) continue;
        const double pij = totals[i] > 0 ? counts[i * K + j] / totals[i] : 0.0;
        const double pji = totals[j] > 0 ? counts[j * K + i] / totals[j] : 0.0;
        distance[i * K + j] = 1.0 - 0.5 * (pij + pji);
      }
    order = nv::hierarchical_order(distance, K);
  }

  const vtkIdType rows = static_cast<vtkIdType>(K);
  vtkNew<vtkStringArray> name_column;
  name_column->SetName("Class");
  vtkNew<vtkIntArray> id_column;
  id_column->SetName("ClassId");
  for (size_t r = 0; r < K; ++r) {
    name_column->InsertNextValue(names[order[r]]);
    id_column->InsertNextValue(static_cast<int>(order[r]));
  }
  table->AddColumn(name_column);
  table->AddColumn(id_column);
  for (size_t c = 0; c < K; ++c) {
    vtkNew<vtkIdTypeArray> column;
    column->SetName(names[order[c]].c_str());
    column->SetNumberOfTuples(rows);
    for (size_t r = 0; r < K; ++r)
      column->SetValue(static_cast<vtkIdType>(r), static_cast<vtkIdType>(counts[order[r] * K + order[c]]));
    table->AddColumn(column);
  }
  vtkNew<vtkIdTypeArray> total_column;
  total_column->SetName("Total");
  vtkNew<vtkDoubleArray> recall_column;
  recall_column->SetName("Recall");
  for (size_t r = 0; r < K; ++r) {
    const size_t k = order[r];
    total_column->InsertNextValue(static_cast<vtkIdType>(totals[k]));
    recall_column->InsertNextValue(totals[k] > 0 ? counts[k * K + k] / totals[k] : std::nan(""));
  }
  table->AddColumn(total_column);
  table->AddColumn(recall_column);
  vtkNew<vtkIntArray> order_array;
  order_array->SetName("ClassOrder");
  for (size_t k : order) order_array->InsertNextValue(static_cast<int>(k));
  table->GetFieldData()->AddArray(order_array);

  // The heat map: K x K cells, predicted along x, true classes from the top.
  heat->SetDimensions(static_cast<int>(K) + 1, static_cast<int>(K) + 1, 1);
  heat->SetSpacing(1, 1, 1);
  heat->SetOrigin(0, 0, 0);
  vtkNew<vtkDoubleArray> fraction;
  fraction->SetName("RowFraction");
  vtkNew<vtkIdTypeArray> count;
  count->SetName("Count");
  vtkNew<vtkIntArray> true_class, predicted_class;
  true_class->SetName("TrueClass");
  predicted_class->SetName("PredictedClass");
  for (size_t y = 0; y < K; ++y)
    for (size_t x = 0; x < K; ++x) {
      const size_t t = order[K - 1 - y], p = order[x];
      fraction->InsertNextValue(totals[t] > 0 ? counts[t * K + p] / totals[t] : 0.0);
      count->InsertNextValue(static_cast<vtkIdType>(counts[t * K + p]));
      true_class->InsertNextValue(static_cast<int>(t));
      predicted_class->InsertNextValue(static_cast<int>(p));
    }
  heat->GetCellData()->AddArray(fraction);
  heat->GetCellData()->AddArray(count);
  heat->GetCellData()->AddArray(true_class);
  heat->GetCellData()->AddArray(predicted_class);
  heat->GetCellData()->SetActiveScalars("RowFraction");
  vtkNew<vtkStringArray> ordered_names;
  ordered_names->SetName("ClassNames");
  for (size_t k : order) ordered_names->InsertNextValue(names[k]);
  heat->GetFieldData()->AddArray(ordered_names);
  return 1;
}

void vtkNVConfusionMatrix::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "LabelArray: " << this->LabelArray << "\n"
     << indent << "PredictionArray: " << this->PredictionArray << "\n";
}

#include "vtkNVROCCurve.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "neuralview/metrics.h"
#include "nvControllerCommunicator.h"
#include "vtkAbstractArray.h"
#include "vtkCompositeDataIterator.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataArray.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkObjectFactory.h"
#include "vtkSmartPointer.h"
#include "vtkTable.h"

vtkStandardNewMacro(vtkNVROCCurve);

namespace {

vtkDataArray* numeric(vtkFieldData* fd, const std::string& name, const char* role) {
  vtkAbstractArray* any = fd ? fd->GetAbstractArray(name.c_str()) : nullptr;
  if (!any) return nullptr;
  auto* array = vtkDataArray::SafeDownCast(any);
  if (!array) throw std::invalid_argument(std::string("the ") + role + " array '" + name + "' is not numeric");
  return array;
}

vtkSmartPointer<vtkDoubleArray> column(const char* name) {
  auto a = vtkSmartPointer<vtkDoubleArray>::New();
  a->SetName(name);
  return a;
}

}  // namespace

int vtkNVROCCurve::FillInputPortInformation(int, vtkInformation* info) {
  info->Remove(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE());
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkDataObject");
  return 1;
}

int vtkNVROCCurve::RequestData(vtkInformation*, vtkInformationVector** inputVector,
                               vtkInformationVector* outputVector) {
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  vtkTable* output = vtkTable::GetData(outputVector, 0);
  nv::ControllerCommunicator comm;
  std::vector<double> scores;
  std::vector<int> labels;
  std::string problem;
  try {
    auto add = [&](vtkDataArray* score, vtkDataArray* label, vtkIdType tuples) {
      for (vtkIdType t = 0; t < tuples; ++t) {
        const double s = score->GetComponent(t, 0);
        if (!std::isfinite(s)) throw std::invalid_argument("score '" + this->ScoreArray + "' holds a non-finite value");
        scores.push_back(s);
        labels.push_back(label->GetComponent(t, 0) == this->PositiveLabel ? 1 : 0);
      }
    };
    auto from_field_data = [&](vtkFieldData* fd, bool one_sample) {
      vtkDataArray* score = numeric(fd, this->ScoreArray, "score");
      vtkDataArray* label = numeric(fd, this->LabelArray, "label");
      if (!score && !label) return false;
      if (!score)
        throw std::invalid_argument("a sample has label '" + this->LabelArray + "' but no score '" + this->ScoreArray +
                                    "'");
      if (!label)
        throw std::invalid_argument("a sample has score '" + this->ScoreArray + "' but no label '" + this->LabelArray +
                                    "'");
      const vtkIdType n = one_sample ? 1 : std::min(score->GetNumberOfTuples(), label->GetNumberOfTuples());
      if (score->GetNumberOfTuples() < 1 || label->GetNumberOfTuples() < 1) return true;
      add(score, label, n);
      return true;
    };
    if (auto* table = vtkTable::SafeDownCast(input)) {
      vtkDataArray* score = vtkDataArray::SafeDownCast(table->GetColumnByName(this->ScoreArray.c_str()));
      vtkDataArray* label = vtkDataArray::SafeDownCast(table->GetColumnByName(this->LabelArray.c_str()));
      if (!score || !label)
        throw std::invalid_argument("the input table has no numeric column '" +
                                    (score ? this->LabelArray : this->ScoreArray) + "'");
      add(score, label, table->GetNumberOfRows());
    } else if (auto* composite = vtkCompositeDataSet::SafeDownCast(input)) {
      vtkSmartPointer<vtkCompositeDataIterator> it;
      it.TakeReference(composite->NewIterator());
      for (it->InitTraversal(); !it->IsDoneWithTraversal(); it->GoToNextItem())
        from_field_data(it->GetCurrentDataObject()->GetFieldData(), true);
    } else if (input) {
      from_field_data(input->GetFieldData(), false);
    }
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (!nv::all_ranks_ok(comm, problem.empty())) {
    vtkErrorMacro(<< "cannot compute the ROC curve: " << (problem.empty() ? "another process failed" : problem));
    return 0;
  }

  // Gather all samples on every process: each writes its part of a zeroed
  // global buffer at its offset, and a sum combines them.
  std::vector<double> counts(static_cast<size_t>(comm.size()), 0.0);
  counts[static_cast<size_t>(comm.rank())] = static_cast<double>(scores.size());
  comm.allreduce_sum(counts.data(), counts.size());
  size_t total = 0, offset = 0;
  for (int r = 0; r < comm.size(); ++r) {
    if (r == comm.rank()) offset = total;
    total += static_cast<size_t>(counts[static_cast<size_t>(r)]);
  }
  if (comm.size() > 1) {
    std::vector<double> buffer(2 * total, 0.0);
    for (size_t i = 0; i < scores.size(); ++i) {
      buffer[2 * (offset + i)] = scores[i];
      buffer[2 * (offset + i) + 1] = labels[i];
    }
    comm.allreduce_sum(buffer.data(), buffer.size());
    scores.resize(total);
    labels.resize(total);
    for (size_t i = 0; i < total; ++i) {
      scores[i] = buffer[2 * i];
      labels[i] = static_cast<int>(buffer[2 * i + 1]);
    }
  }
  size_t positives = 0;
  for (int l : labels) positives += static_cast<size_t>(l);
  const size_t negatives = total - positives;
  if (total == 0) {
    vtkErrorMacro(<< "cannot compute the ROC curve: no sample has both '" << this->ScoreArray << "' and '"
                  << this->LabelArray << "'");
    return 0;
  }
  if (positives == 0 || negatives == 0) {
    vtkErrorMacro(<< "cannot compute the ROC curve: all " << total << " samples are "
                  << (positives == 0 ? "negative" : "positive") << " (label '" << this->LabelArray
                  << "' == " << this->PositiveLabel << " for positives)");
    return 0;
  }

  const nv::RocCurve curve = nv::roc_curve(scores, labels, this->DropIntermediate);
  const double auc = nv::roc_auc(scores, labels);
  auto fpr = column("FalsePositiveRate"), tpr = column("TruePositiveRate"), threshold = column("Threshold"),
       rejection = column("BackgroundRejection");
  if (comm.rank() == 0)
    for (size_t i = 0; i < curve.thresholds.size(); ++i) {
      fpr->InsertNextValue(curve.false_positive_rate[i]);
      tpr->InsertNextValue(curve.true_positive_rate[i]);
      threshold->InsertNextValue(curve.thresholds[i]);
      rejection->InsertNextValue(curve.false_positive_rate[i] > 0 ? 1.0 / curve.false_positive_rate[i]
                                                                  : std::numeric_limits<double>::infinity());
    }
  output->AddColumn(fpr);
  output->AddColumn(tpr);
  output->AddColumn(threshold);
  output->AddColumn(rejection);

  auto field = [&](const char* name, double value) {
    auto a = column(name);
    a->InsertNextValue(value);
    output->GetFieldData()->AddArray(a);
  };
  field("AUC", auc);
  field("Positives", static_cast<double>(positives));
  field("Negatives", static_cast<double>(negatives));
  if (this->WorkingPointFalsePositiveRate > 0) {
    // All thresholds (no dropped points): the best true positive rate whose
    // false positive rate does not exceed the working point.
    const nv::RocCurve full = nv::roc_curve(scores, labels, false);
    double best = 0, best_threshold = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < full.thresholds.size(); ++i)
      if (full.false_positive_rate[i] <= this->WorkingPointFalsePositiveRate + 1e-12 &&
          full.true_positive_rate[i] >= best) {
        best = full.true_positive_rate[i];
        best_threshold = full.thresholds[i];
      }
    field("WorkingPointFalsePositiveRate", this->WorkingPointFalsePositiveRate);
    field("SignalEfficiencyAtWorkingPoint", best);
    field("ThresholdAtWorkingPoint", best_threshold);
  }
  return 1;
}

void vtkNVROCCurve::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "ScoreArray: " << this->ScoreArray << "\n" << indent << "LabelArray: " << this->LabelArray << "\n";
  os << indent << "PositiveLabel: " << this->PositiveLabel << "\n";
  os << indent << "WorkingPointFalsePositiveRate: " << this->WorkingPointFalsePositiveRate << "\n";
}

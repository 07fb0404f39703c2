/**
 * @class vtkNVROCCurve
 * @brief Receiver operating characteristic of a binary classifier's scores:
 * the ROC curve as a table and its area (AUC), computed by nv::roc_curve and
 * nv::roc_auc (equal to scikit-learn's roc_curve and roc_auc_score).
 *
 * Scores and labels come from
 * - the columns ScoreArray and LabelArray of an input table, or
 * - the field data of every block of a composite input (one sample per block,
 *   e.g. ApplyNetwork's `Probability_<class>` next to the source's label), or
 * - the field data of a single data set (all tuples of the two arrays).
 * A sample is positive when its label equals PositiveLabel (one class against
 * the rest for more classes). Samples on all MPI ranks are combined.
 *
 * Output (rows on the first process only): columns FalsePositiveRate,
 * TruePositiveRate, Threshold and BackgroundRejection (1 / false positive
 * rate). Field data: AUC, Positives, Negatives and, when
 * WorkingPointFalsePositiveRate > 0, the best true positive rate reachable
 * with a false positive rate at most that value (`SignalEfficiencyAtWorkingPoint`)
 * and the threshold that reaches it.
 */
#ifndef vtkNVROCCurve_h
#define vtkNVROCCurve_h

#include <string>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkTableAlgorithm.h"

class NEURALVIEWFILTERS_EXPORT vtkNVROCCurve : public vtkTableAlgorithm {
 public:
  static vtkNVROCCurve* New();
  vtkTypeMacro(vtkNVROCCurve, vtkTableAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// Name of the score (higher means more likely positive). Default "Probability_signal".
  vtkSetStdStringFromCharMacro(ScoreArray);
  vtkGetCharFromStdStringMacro(ScoreArray);
  /// Name of the true label. Default "Signal".
  vtkSetStdStringFromCharMacro(LabelArray);
  vtkGetCharFromStdStringMacro(LabelArray);
  /// The label value of the positive class. Default 1.
  vtkSetMacro(PositiveLabel, double);
  vtkGetMacro(PositiveLabel, double);
  /// Drop collinear points of the curve (scikit-learn's drop_intermediate). Default on.
  vtkSetMacro(DropIntermediate, bool);
  vtkGetMacro(DropIntermediate, bool);
  vtkBooleanMacro(DropIntermediate, bool);
  /// A false positive rate at which to report the true positive rate; 0: none. Default 0.
  vtkSetClampMacro(WorkingPointFalsePositiveRate, double, 0.0, 1.0);
  vtkGetMacro(WorkingPointFalsePositiveRate, double);

 protected:
  vtkNVROCCurve() = default;
  ~vtkNVROCCurve() override = default;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVROCCurve(const vtkNVROCCurve&) = delete;
  void operator=(const vtkNVROCCurve&) = delete;

  std::string ScoreArray = "Probability_signal";
  std::string LabelArray = "Signal";
  double PositiveLabel = 1.0;
  bool DropIntermediate = true;
  double WorkingPointFalsePositiveRate = 0.0;
};

#endif

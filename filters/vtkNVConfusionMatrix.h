/**
 * @class vtkNVConfusionMatrix
 * @brief Confusion matrix of a label array against a prediction array, with
 * the classes reordered so that classes confused with each other sit next to
 * each other.
 *
 * Values come from point data (both arrays there), else cell data, else
 * field data (one sample per data set or block, e.g. a classification's
 * Prediction), or from the columns of a table. An EmbedFeatures output (with
 * Label and Prediction per point) works too. Values must be integer class
 * ids; negative ones (an ignore label) are left out. Under MPI each point is
 * counted once (shared piece boundaries and ghosts are skipped) and counts
 * are summed over ranks; the outputs live on rank 0.
 *
 * The order is the leaf order of an average-linkage dendrogram of the
 * classes with distance 1 - (P + P^T) / 2 between different classes, P the
 * row-normalised matrix (Reorder off keeps the class ids' order).
 *
 * Outputs:
 * 0. a table, one row per true class in the new order: `Class` (name),
 *    `ClassId`, one count column per predicted class (named after it, same
 *    order), `Total`, `Recall`; field data `ClassOrder`.
 * 1. an image of K x K cells (x: predicted, y: true, first class at the top)
 *    with cell data `RowFraction` (active scalars: a heat map), `Count`,
 *    `TrueClass` and `PredictedClass`; field data `ClassNames` in order.
 */
#ifndef vtkNVConfusionMatrix_h
#define vtkNVConfusionMatrix_h

#include <string>
#include <vector>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkDataObjectAlgorithm.h"

class NEURALVIEWFILTERS_EXPORT vtkNVConfusionMatrix : public vtkDataObjectAlgorithm {
 public:
  static vtkNVConfusionMatrix* New();
  vtkTypeMacro(vtkNVConfusionMatrix, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  vtkSetStdStringFromCharMacro(LabelArray);
  vtkGetCharFromStdStringMacro(LabelArray);
  vtkSetStdStringFromCharMacro(PredictionArray);
  vtkGetCharFromStdStringMacro(PredictionArray);
  void AddClassName(const char* name);
  void ClearClassNames();
  vtkSetMacro(Reorder, int);
  vtkGetMacro(Reorder, int);

 protected:
  vtkNVConfusionMatrix();
  ~vtkNVConfusionMatrix() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVConfusionMatrix(const vtkNVConfusionMatrix&) = delete;
  void operator=(const vtkNVConfusionMatrix&) = delete;

  std::string LabelArray = "Label";
  std::string PredictionArray = "Prediction";
  std::vector<std::string> ClassNames;
  int Reorder = 1;
};

#endif

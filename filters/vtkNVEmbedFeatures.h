/**
 * @class vtkNVEmbedFeatures
 * @brief Embeds feature vectors of samples, pixels or patches in 2-D or 3-D
 * with PCA, t-SNE (Barnes-Hut) or UMAP.
 *
 * Features come from vtkNVFeatureAlgorithm (a model layer, or arrays). The
 * output is a point cloud (vtkPolyData, one vertex cell per point) whose
 * coordinates are the embedding (z = 0 in 2-D), with point arrays `Label`
 * (when LabelArray is given), `Prediction`, `Error` (where available),
 * `SampleIndex` (time step or block), `PointIndex` (point or cell id in the
 * whole extent of the source; -1 per sample) and `GlobalIds` (unique over
 * samples and ranks: SampleIndex for samples, SampleIndex x whole size +
 * PointIndex otherwise; set as the global-ids attribute). Field data: `Layer`
 * (the layer used) and, for PCA, `ExplainedVarianceRatio`.
 *
 * Under MPI every rank extracts its features, keeps a seeded random subset
 * (MaxPoints in all, independent of the number of ranks), and rank 0 gathers
 * and embeds them; the point cloud lives on rank 0.
 */
#ifndef vtkNVEmbedFeatures_h
#define vtkNVEmbedFeatures_h

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkNVFeatureAlgorithm.h"

class NEURALVIEWFILTERS_EXPORT vtkNVEmbedFeatures : public vtkNVFeatureAlgorithm {
 public:
  static vtkNVEmbedFeatures* New();
  vtkTypeMacro(vtkNVEmbedFeatures, vtkNVFeatureAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  enum MethodType { PCA = 0, TSNE = 1, UMAP = 2 };
  vtkSetClampMacro(Method, int, PCA, UMAP);
  vtkGetMacro(Method, int);
  vtkSetClampMacro(Dimensions, int, 2, 3);
  vtkGetMacro(Dimensions, int);
  vtkSetClampMacro(Perplexity, double, 0.1, 10000.0);
  vtkGetMacro(Perplexity, double);
  vtkSetClampMacro(Neighbors, int, 2, 10000);
  vtkGetMacro(Neighbors, int);
  /// t-SNE iterations (including 250 exaggerated ones); UMAP epochs (0: automatic).
  vtkSetClampMacro(Iterations, int, 0, 100000);
  vtkGetMacro(Iterations, int);

 protected:
  vtkNVEmbedFeatures();
  ~vtkNVEmbedFeatures() override;

  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int ProcessFeatures(nv::FeatureSet& rows, vtkInformationVector** inputVector,
                      vtkInformationVector* outputVector) override;

 private:
  vtkNVEmbedFeatures(const vtkNVEmbedFeatures&) = delete;
  void operator=(const vtkNVEmbedFeatures&) = delete;

  int Method = PCA;
  int Dimensions = 2;
  double Perplexity = 30.0;
  int Neighbors = 15;
  int Iterations = 1000;
};

#endif

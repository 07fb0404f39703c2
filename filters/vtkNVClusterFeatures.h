/**
 * @class vtkNVClusterFeatures
 * @brief Clusters feature vectors of samples, pixels or patches with k-means
 * (k-means++), DBSCAN or agglomerative (Ward) clustering, and puts the
 * cluster ids back on the data.
 *
 * Features as vtkNVFeatureAlgorithm (model layer or arrays; on a point set,
 * such as an EmbedFeatures output, the point coordinates, i.e. clustering
 * the embedding, or FeatureArrays).
 *
 * Outputs:
 * 0. the input with a `Cluster` array: per point/cell (PerPixel; PerPatch
 *    marks every pixel of the patch, -1 outside complete patches), or field
 *    data per sample (PerSample). For a series, the time step the view shows.
 * 1. a table with one row per cluster (`Cluster`, `Points`, `Silhouette`,
 *    the mean silhouette of its points) and field data `SilhouetteScore`.
 * 2. a table of the clustered rows: `GlobalIds`, `SampleIndex`, `PointIndex`,
 *    `Cluster` (and `Label`, `Prediction`, `Error` where available).
 *
 * Under MPI rank 0 fits a seeded random subset of at most MaxPoints rows
 * (agglomerative: at most 5,000, its memory grows as n^2) and broadcasts the
 * fit; every rank then labels its own rows: fitted rows keep their label,
 * others take the nearest centre (k-means, agglomerative) or the cluster of
 * the nearest core point within Eps (DBSCAN; -1 = noise).
 */
#ifndef vtkNVClusterFeatures_h
#define vtkNVClusterFeatures_h

#include <vector>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkNVFeatureAlgorithm.h"
#include "vtkSmartPointer.h"

class NEURALVIEWFILTERS_EXPORT vtkNVClusterFeatures : public vtkNVFeatureAlgorithm {
 public:
  static vtkNVClusterFeatures* New();
  vtkTypeMacro(vtkNVClusterFeatures, vtkNVFeatureAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  enum MethodType { KMEANS = 0, DBSCAN = 1, AGGLOMERATIVE = 2 };
  vtkSetClampMacro(Method, int, KMEANS, AGGLOMERATIVE);
  vtkGetMacro(Method, int);
  vtkSetClampMacro(K, int, 1, 100000);
  vtkGetMacro(K, int);
  vtkSetClampMacro(Eps, double, 0.0, 1e300);
  vtkGetMacro(Eps, double);
  vtkSetClampMacro(MinPoints, int, 1, 100000);
  vtkGetMacro(MinPoints, int);

 protected:
  vtkNVClusterFeatures();
  ~vtkNVClusterFeatures() override;

  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int ProcessFeatures(nv::FeatureSet& rows, vtkInformationVector** inputVector,
                      vtkInformationVector* outputVector) override;
  void SampleGathered(vtkDataObject* input, int time_index, const std::vector<nv::SampleRows>& placed) override;
  bool OutputHasTime() const override { return true; }

 private:
  vtkNVClusterFeatures(const vtkNVClusterFeatures&) = delete;
  void operator=(const vtkNVClusterFeatures&) = delete;

  int Method = KMEANS;
  int K = 3;
  double Eps = 0.5;
  int MinPoints = 5;
  // The input the first output shows, and where its rows are.
  vtkSmartPointer<vtkDataObject> Kept;
  std::vector<nv::SampleRows> KeptRows;
};

#endif

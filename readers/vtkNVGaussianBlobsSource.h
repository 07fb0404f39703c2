/**
 * @class vtkNVGaussianBlobsSource
 * @brief A seeded 2-D or 3-D field of Gaussian blobs in noise, with a label
 * marking the blobs: a small, fully known problem for networks to learn.
 *
 * Point arrays:
 * - `Intensity`: sum of Gaussian blobs (peak 1) plus uniform noise of
 *   amplitude `NoiseLevel`;
 * - `Temperature`: 280 K plus 20 K per unit of blob signal plus a linear
 *   gradient along x, a second channel on another physical scale;
 * - `BlobLabel` (unsigned char): 1 within one blob radius of a centre, else 0.
 * Field data: `BlobCenters` (one tuple per blob, in world coordinates),
 * `BlobRadii` and `BlobCount`.
 *
 * Every time step is an independent field drawn from (Seed, step). Values
 * depend only on global point indices, so any piece decomposition (MPI
 * ranks, streaming) gives the same field.
 */
#ifndef vtkNVGaussianBlobsSource_h
#define vtkNVGaussianBlobsSource_h

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkImageAlgorithm.h"

class NEURALVIEWREADERS_EXPORT vtkNVGaussianBlobsSource : public vtkImageAlgorithm {
 public:
  static vtkNVGaussianBlobsSource* New();
  vtkTypeMacro(vtkNVGaussianBlobsSource, vtkImageAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// Number of points along x, y, z (z = 1 gives a 2-D image). Default 128 128 1.
  vtkSetVector3Macro(Dimensions, int);
  vtkGetVector3Macro(Dimensions, int);

  /// Seed of the whole series. Default 0.
  vtkSetMacro(Seed, int);
  vtkGetMacro(Seed, int);

  /// Blobs per time step. Default 6.
  vtkSetClampMacro(NumberOfBlobs, int, 0, 1000);
  vtkGetMacro(NumberOfBlobs, int);

  /// Blob radius as a fraction of the smallest extent of the domain. Default 0.08.
  vtkSetClampMacro(BlobRadius, double, 0.001, 0.5);
  vtkGetMacro(BlobRadius, double);

  /// Amplitude of the uniform noise added to Intensity. Default 0.1.
  vtkSetClampMacro(NoiseLevel, double, 0.0, 100.0);
  vtkGetMacro(NoiseLevel, double);

  /// When on, each time step has a random number of blobs between 0 and
  /// NumberOfBlobs (stored as field data `BlobCount`): a per-sample class or
  /// regression target. Default off.
  vtkSetMacro(RandomBlobCount, bool);
  vtkGetMacro(RandomBlobCount, bool);
  vtkBooleanMacro(RandomBlobCount, bool);

  /// Number of time steps (independent fields) at times 0, 1, 2, ... Default 1.
  vtkSetClampMacro(NumberOfTimeSteps, int, 1, 1000000);
  vtkGetMacro(NumberOfTimeSteps, int);

 protected:
  vtkNVGaussianBlobsSource();
  ~vtkNVGaussianBlobsSource() override = default;

  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVGaussianBlobsSource(const vtkNVGaussianBlobsSource&) = delete;
  void operator=(const vtkNVGaussianBlobsSource&) = delete;

  int Dimensions[3] = {128, 128, 1};
  int Seed = 0;
  int NumberOfBlobs = 6;
  double BlobRadius = 0.08;
  double NoiseLevel = 0.1;
  int NumberOfTimeSteps = 1;
  bool RandomBlobCount = false;
};

#endif

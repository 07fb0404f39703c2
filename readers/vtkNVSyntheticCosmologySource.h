/**
 * @class vtkNVSyntheticCosmologySource
 * @brief Synthetic N-body-like dark-matter density volumes from a physical
 * model: the four CosmoFlow redshift channels of one universe per time step.
 *
 * Each universe is a Gaussian random field with a ΛCDM linear power
 * spectrum (primordial slope n_s, Eisenstein–Hu or BBKS transfer function,
 * normalised to σ_8, shaped by Ω_m and H0), evolved with the Zel'dovich
 * approximation or 2LPT into the positions of a lattice of particles (one
 * per grid point), scaled to each redshift with the linear growth factor,
 * and deposited onto the grid with cloud-in-cell. The physics lives in
 * models/ (neuralview/cosmology.h).
 *
 * Point arrays (ρ/ρ̄, mean 1): `Density_z0`, `Density_z0.5`, `Density_z1.5`,
 * `Density_z3`; with LogDensity also `LogDensity_z0`, ... = log(1 + ρ/ρ̄),
 * CosmoFlow's network input; with LinearField `LinearDensity` (the linear
 * δ at z = 0). The grid is periodic: point i sits at i * BoxSize / GridSize.
 *
 * Field data: `unitPar` (4 components Omega_m, sigma_8, n_s, H0 in
 * CosmoFlow's convention physical = (1 + 0.1 u) * {0.3, 0.8, 0.96, 70}),
 * `physPar` (the physical values), `Redshifts`, `BoxSize` (Mpc/h) and
 * `UniverseSeed`.
 *
 * With RandomParameters (the default) every time step is a new universe
 * whose unitPar is drawn uniformly in [-1, 1]^4 from (Seed, step); TrainNetwork
 * uses the time steps as samples. Otherwise all steps share the parameters
 * set here and differ in their initial field only.
 *
 * Every process computes the whole periodic box (the FFTs need it) and
 * outputs the extent it is asked for, so any decomposition gives the same
 * values; the last universe is cached for further extents.
 */
#ifndef vtkNVSyntheticCosmologySource_h
#define vtkNVSyntheticCosmologySource_h

#include <memory>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkImageAlgorithm.h"

class NEURALVIEWREADERS_EXPORT vtkNVSyntheticCosmologySource : public vtkImageAlgorithm {
 public:
  static vtkNVSyntheticCosmologySource* New();
  vtkTypeMacro(vtkNVSyntheticCosmologySource, vtkImageAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// Points per side of the (cubic, periodic) grid and of the particle lattice; even. Default 64.
  vtkSetClampMacro(GridSize, int, 4, 1024);
  vtkGetMacro(GridSize, int);

  /// Side of the box in Mpc/h. Default 128.
  vtkSetClampMacro(BoxSize, double, 1.0, 1e5);
  vtkGetMacro(BoxSize, double);

  /// Seed of the series: every (Seed, time step) is a different universe. Default 0.
  vtkSetMacro(Seed, int);
  vtkGetMacro(Seed, int);

  /// Independent universes at times 0, 1, 2, ... Default 1.
  vtkSetClampMacro(NumberOfTimeSteps, int, 1, 1000000);
  vtkGetMacro(NumberOfTimeSteps, int);

  /// Draw (Ω_m, σ_8, n_s, H0) per universe from the seed (default on);
  /// off uses the values below for every universe.
  vtkSetMacro(RandomParameters, bool);
  vtkGetMacro(RandomParameters, bool);
  vtkBooleanMacro(RandomParameters, bool);

  vtkSetClampMacro(OmegaMatter, double, 0.01, 1.0);
  vtkGetMacro(OmegaMatter, double);
  vtkSetClampMacro(Sigma8, double, 0.01, 10.0);
  vtkGetMacro(Sigma8, double);
  vtkSetClampMacro(SpectralIndex, double, 0.1, 3.0);
  vtkGetMacro(SpectralIndex, double);
  /// H0 in km/s/Mpc.
  vtkSetClampMacro(HubbleConstant, double, 10.0, 500.0);
  vtkGetMacro(HubbleConstant, double);
  /// Baryon density: shapes the transfer function; fixed, not regressed. Default 0.049.
  vtkSetClampMacro(OmegaBaryon, double, 0.0, 0.5);
  vtkGetMacro(OmegaBaryon, double);

  enum TransferFunctionType { EISENSTEIN_HU = 0, BBKS = 1 };
  vtkSetClampMacro(TransferFunction, int, EISENSTEIN_HU, BBKS);
  vtkGetMacro(TransferFunction, int);

  /// 1: Zel'dovich approximation, 2: second-order LPT (default).
  vtkSetClampMacro(LPTOrder, int, 1, 2);
  vtkGetMacro(LPTOrder, int);

  /// Add LogDensity_z* = log(1 + ρ/ρ̄) arrays. Default on.
  vtkSetMacro(LogDensity, bool);
  vtkGetMacro(LogDensity, bool);
  vtkBooleanMacro(LogDensity, bool);

  /// Add the linear density contrast at z = 0 as `LinearDensity`. Default off.
  vtkSetMacro(LinearField, bool);
  vtkGetMacro(LinearField, bool);
  vtkBooleanMacro(LinearField, bool);

 protected:
  vtkNVSyntheticCosmologySource();
  ~vtkNVSyntheticCosmologySource() override;

  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVSyntheticCosmologySource(const vtkNVSyntheticCosmologySource&) = delete;
  void operator=(const vtkNVSyntheticCosmologySource&) = delete;

  struct Cache;
  std::unique_ptr<Cache> Cached;

  int GridSize = 64;
  double BoxSize = 128.0;
  int Seed = 0;
  int NumberOfTimeSteps = 1;
  bool RandomParameters = true;
  double OmegaMatter = 0.3;
  double Sigma8 = 0.8;
  double SpectralIndex = 0.96;
  double HubbleConstant = 70.0;
  double OmegaBaryon = 0.049;
  int TransferFunction = EISENSTEIN_HU;
  int LPTOrder = 2;
  bool LogDensity = true;
  bool LinearField = false;
};

#endif

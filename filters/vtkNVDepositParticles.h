/**
 * @class vtkNVDepositParticles
 * @brief Deposits particles onto a regular grid with cloud-in-cell: the
 * density field of an N-body snapshot, ready for a network.
 *
 * Each process deposits its own particles; the per-process grids are summed
 * over all processes (an allreduce through ParaView's controller) and every
 * process outputs its piece of the image. Mass is conserved: the grid holds
 * the total particle mass (field data `TotalMass` and `DepositedMass`
 * agree up to rounding).
 *
 * Periodic (the default): the box [0, L)^3 with L = BoxSize, or the input's
 * field data `BoxSize` (GADGET's Header) when BoxSize is 0; grid point i sits
 * at i * L / n and particles wrap. Otherwise the grid spans the particles'
 * bounds over all processes and nothing wraps.
 *
 * Point arrays: `Mass` (deposited mass per grid point), `Density` (rho/mean
 * rho, mean 1), with LogDensity `LogDensity` = log(1 + rho/mean rho).
 * Masses come from the point array MassArray (default `Masses`), else 1.
 *
 * With ZeldovichChannels, the snapshot is also extrapolated to the
 * redshifts 0, 0.5, 1.5 and 3 of SyntheticCosmology's channels: particles
 * of a simulation started from a lattice (GADGET initial conditions, IDs in
 * lattice order) are moved along their displacement from their lattice
 * point, scaled by the linear growth D(z) / D(z_snapshot) (the Zel'dovich
 * approximation), giving `Density_z0`, ... (and `LogDensity_z*`). It needs
 * the point arrays ParticleIDs (ParticleType when several types are read)
 * and field data Redshift; Omega_m is OmegaMatter, or the field data
 * Omega0 when OmegaMatter is 0.
 */
#ifndef vtkNVDepositParticles_h
#define vtkNVDepositParticles_h

#include <string>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkImageAlgorithm.h"

class NEURALVIEWFILTERS_EXPORT vtkNVDepositParticles : public vtkImageAlgorithm {
 public:
  static vtkNVDepositParticles* New();
  vtkTypeMacro(vtkNVDepositParticles, vtkImageAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// Grid points along x, y, z. Default 64 64 64.
  vtkSetVector3Macro(Dimensions, int);
  vtkGetVector3Macro(Dimensions, int);

  /// Periodic box (default on).
  vtkSetMacro(Periodic, bool);
  vtkGetMacro(Periodic, bool);
  vtkBooleanMacro(Periodic, bool);

  /// Side of the periodic box in the particles' units; 0 (default) reads field data BoxSize.
  vtkSetClampMacro(BoxSize, double, 0.0, 1e30);
  vtkGetMacro(BoxSize, double);

  /// Point array of particle masses. Default "Masses"; missing: every particle has mass 1.
  vtkSetStdStringFromCharMacro(MassArray);
  vtkGetCharFromStdStringMacro(MassArray);

  vtkSetMacro(LogDensity, bool);
  vtkGetMacro(LogDensity, bool);
  vtkBooleanMacro(LogDensity, bool);

  vtkSetMacro(ZeldovichChannels, bool);
  vtkGetMacro(ZeldovichChannels, bool);
  vtkBooleanMacro(ZeldovichChannels, bool);

  /// Omega_m for the growth factor of ZeldovichChannels; 0 (default) reads field data Omega0.
  vtkSetClampMacro(OmegaMatter, double, 0.0, 1.0);
  vtkGetMacro(OmegaMatter, double);

 protected:
  vtkNVDepositParticles();
  ~vtkNVDepositParticles() override = default;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestUpdateExtent(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVDepositParticles(const vtkNVDepositParticles&) = delete;
  void operator=(const vtkNVDepositParticles&) = delete;

  int Dimensions[3] = {64, 64, 64};
  bool Periodic = true;
  double BoxSize = 0.0;
  std::string MassArray = "Masses";
  bool LogDensity = false;
  bool ZeldovichChannels = false;
  double OmegaMatter = 0.0;
};

#endif

/**
 * @class vtkNVGadgetReader
 * @brief Reads a GADGET-4 (or GADGET-2/3 format 3) HDF5 snapshot as
 * particles: vtkPolyData with one vertex per particle.
 *
 * Point arrays: `Velocities` (3 components, as stored), `ParticleIDs`
 * (64-bit), `ParticleType` (0 gas, 1 dark matter, ...), `Masses` (the
 * per-particle dataset, else the Header's MassTable entry of the type);
 * with gas, `Density`, `InternalEnergy` and `SmoothingLength` when present
 * (NaN for particles of other types). Coordinates are in the snapshot's
 * length unit (kpc/h for GADGET's defaults).
 *
 * Field data: every numeric or string attribute of `Header` (Redshift,
 * BoxSize, Time, MassTable, NumPart_Total, ...) under its own name, the
 * cosmology of `Parameters` when present (Omega0, OmegaLambda, OmegaBaryon,
 * HubbleParam, UnitLength_in_cm, ...) unless the Header has the same name,
 * and `BoxSizeMpcPerH` (BoxSize in Mpc/h from UnitLength_in_cm).
 *
 * Snapshots split over several files (snapshot_000.0.hdf5, .1, ...) are read
 * whole when FileName names any one of them. In parallel, piece p of P
 * reads the p-th contiguous share of every particle type.
 */
#ifndef vtkNVGadgetReader_h
#define vtkNVGadgetReader_h

#include <string>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkPolyDataAlgorithm.h"

class NEURALVIEWREADERS_EXPORT vtkNVGadgetReader : public vtkPolyDataAlgorithm {
 public:
  static vtkNVGadgetReader* New();
  vtkTypeMacro(vtkNVGadgetReader, vtkPolyDataAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  vtkSetStdStringFromCharMacro(FileName);
  vtkGetCharFromStdStringMacro(FileName);

  /// Read PartType1 (dark matter). Default on.
  vtkSetMacro(ReadDarkMatter, bool);
  vtkGetMacro(ReadDarkMatter, bool);
  vtkBooleanMacro(ReadDarkMatter, bool);

  /// Read PartType0 (gas). Default off.
  vtkSetMacro(ReadGas, bool);
  vtkGetMacro(ReadGas, bool);
  vtkBooleanMacro(ReadGas, bool);

  /// Whether the file looks like a GADGET HDF5 snapshot (has a Header group with NumPart_ThisFile).
  static int CanReadFile(const char* fileName);

 protected:
  vtkNVGadgetReader();
  ~vtkNVGadgetReader() override = default;

  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVGadgetReader(const vtkNVGadgetReader&) = delete;
  void operator=(const vtkNVGadgetReader&) = delete;

  std::string FileName;
  bool ReadDarkMatter = true;
  bool ReadGas = false;
};

#endif

/**
 * @class vtkNVCaloGANReader
 * @brief Reads CaloGAN HDF5 files: `layer_0` (N, 3, 96), `layer_1`
 * (N, 12, 12), `layer_2` (N, 12, 6) cell energies in MeV, `overflow` (N, 3)
 * and `energy` (N, 1) incident energy in GeV; optionally `particle` (N) class
 * ids (0 e+, 1 gamma, 2 pi+; written by vtkNVCaloGANWriter).
 *
 * Outputs like vtkNVSyntheticCalorimeterSource in CaloGAN mode: port 0 the
 * three layers of an event (multiblock of slabs, cell array `Energy`),
 * port 1 the layers on a common 12 x 12 grid (network input). One event per
 * time step, or all as blocks (EventsAsBlocks). Time-step mode reads one
 * event per update (a hyperslab), so large files open at once.
 */
#ifndef vtkNVCaloGANReader_h
#define vtkNVCaloGANReader_h

#include <string>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkDataObjectAlgorithm.h"

class NEURALVIEWREADERS_EXPORT vtkNVCaloGANReader : public vtkDataObjectAlgorithm {
 public:
  static vtkNVCaloGANReader* New();
  vtkTypeMacro(vtkNVCaloGANReader, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  vtkSetStdStringFromCharMacro(FileName);
  vtkGetCharFromStdStringMacro(FileName);

  /// 1 when the file has the three CaloGAN layer datasets.
  int CanReadFile(const char* name);

  /// Events as the blocks of one multiblock per port instead of time steps. Default off.
  vtkSetMacro(EventsAsBlocks, bool);
  vtkGetMacro(EventsAsBlocks, bool);
  vtkBooleanMacro(EventsAsBlocks, bool);

  /// Read at most this many events (0: all). Default 0.
  vtkSetClampMacro(MaximumEvents, int, 0, 100000000);
  vtkGetMacro(MaximumEvents, int);

  /// Particle type of all events when the file has no `particle` dataset
  /// (CaloGAN files hold one particle each): -1 unknown, 0 e+, 1 gamma, 2 pi+. Default -1.
  vtkSetClampMacro(ParticleType, int, -1, 2);
  vtkGetMacro(ParticleType, int);

  /// Number of events in the file (after RequestInformation).
  vtkGetMacro(NumberOfEvents, int);

 protected:
  vtkNVCaloGANReader();
  ~vtkNVCaloGANReader() override = default;

  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVCaloGANReader(const vtkNVCaloGANReader&) = delete;
  void operator=(const vtkNVCaloGANReader&) = delete;

  std::string FileName;
  bool EventsAsBlocks = false;
  int MaximumEvents = 0;
  int ParticleType = -1;
  int NumberOfEvents = 0;
};

#endif

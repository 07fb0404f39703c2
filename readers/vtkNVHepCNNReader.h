/**
 * @class vtkNVHepCNNReader
 * @brief Reads hep_cnn HDF5 files of whole-detector images: `data`
 * {N, C, H, W} (C = 3: ECAL, HCAL, track multiplicity), `label` (N),
 * `weight` (N) and `normweight` (N); optional `jet_pt`, `jet_eta`,
 * `jet_phi`, `jet_mass` (N, J; pt 0 pads) and `passSR` (N), as written by
 * vtkNVHepCNNWriter.
 *
 * Port 0: one image per event over (eta, phi) (W cells along eta, H along
 * phi) with one cell array per channel (names from the root attribute
 * `channel_names`, else ECAL, HCAL, Tracks), field data `Signal` (the label),
 * `Weight`, `NormWeight` and, when the file has them, the truth jets and the
 * cut-based selection recomputed from them. Port 1: the jets as circles.
 * When the file records `channel_maximum` (channels divided by their
 * training maximum), UndoNormalization multiplies it back.
 */
#ifndef vtkNVHepCNNReader_h
#define vtkNVHepCNNReader_h

#include <string>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkDataObjectAlgorithm.h"

class NEURALVIEWREADERS_EXPORT vtkNVHepCNNReader : public vtkDataObjectAlgorithm {
 public:
  static vtkNVHepCNNReader* New();
  vtkTypeMacro(vtkNVHepCNNReader, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  vtkSetStdStringFromCharMacro(FileName);
  vtkGetCharFromStdStringMacro(FileName);

  /// 1 when the file has a 4-D `data` and a `label` dataset.
  int CanReadFile(const char* name);

  vtkSetMacro(EventsAsBlocks, bool);
  vtkGetMacro(EventsAsBlocks, bool);
  vtkBooleanMacro(EventsAsBlocks, bool);

  /// Read at most this many events (0: all). Default 0.
  vtkSetClampMacro(MaximumEvents, int, 0, 100000000);
  vtkGetMacro(MaximumEvents, int);

  /// Multiply channels by the stored `channel_maximum`, if any. Default on.
  vtkSetMacro(UndoNormalization, bool);
  vtkGetMacro(UndoNormalization, bool);
  vtkBooleanMacro(UndoNormalization, bool);

  /// Images cover |eta| < EtaMaximum when the file does not say (attribute `eta_max`). Default 2.5.
  vtkSetClampMacro(EtaMaximum, double, 0.1, 10.0);
  vtkGetMacro(EtaMaximum, double);

  vtkGetMacro(NumberOfEvents, int);

 protected:
  vtkNVHepCNNReader();
  ~vtkNVHepCNNReader() override = default;

  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVHepCNNReader(const vtkNVHepCNNReader&) = delete;
  void operator=(const vtkNVHepCNNReader&) = delete;

  std::string FileName;
  bool EventsAsBlocks = false;
  int MaximumEvents = 0;
  bool UndoNormalization = true;
  double EtaMaximum = 2.5;
  int NumberOfEvents = 0;
};

#endif

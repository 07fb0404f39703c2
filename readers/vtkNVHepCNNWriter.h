/**
 * @class vtkNVHepCNNWriter
 * @brief Writes whole-detector images as a hep_cnn HDF5 file: `data`
 * {N, C, H, W} float32 (channels from ChannelArrays, default ECAL, HCAL,
 * Tracks; H cells along phi = image y, W along eta = image x), `label` (N)
 * int32 from the field-data LabelArray (default `Signal`), `weight` and
 * `normweight` (N) float32 from the field data `Weight` and `NormWeight`
 * (1 when absent). Events that carry truth jets (field data `JetPt`, ...)
 * also get `jet_pt`, `jet_eta`, `jet_phi`, `jet_mass` (N, J) padded with 0
 * and `passSR` (N) uint8, the cut-based signal region.
 *
 * With NormalizeChannels each channel is divided by its maximum over the
 * events written (the hep_cnn convention), recorded in the root attribute
 * `channel_maximum`; `channel_names` and `eta_max` are recorded too.
 * The input: an image per time step, or a composite whose blocks are images.
 */
#ifndef vtkNVHepCNNWriter_h
#define vtkNVHepCNNWriter_h

#include <memory>
#include <string>
#include <vector>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkNVEventSeriesWriter.h"

class NEURALVIEWREADERS_EXPORT vtkNVHepCNNWriter : public vtkNVEventSeriesWriter {
 public:
  static vtkNVHepCNNWriter* New();
  vtkTypeMacro(vtkNVHepCNNWriter, vtkNVEventSeriesWriter);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// The cell (or point) arrays written as channels, in order; empty: ECAL, HCAL, Tracks.
  void AddChannelArray(const char* name);
  void ClearChannelArrays();

  vtkSetStdStringFromCharMacro(LabelArray);
  vtkGetCharFromStdStringMacro(LabelArray);

  /// Divide each channel by its maximum over the file. Default off.
  vtkSetMacro(NormalizeChannels, bool);
  vtkGetMacro(NormalizeChannels, bool);
  vtkBooleanMacro(NormalizeChannels, bool);

 protected:
  vtkNVHepCNNWriter();
  ~vtkNVHepCNNWriter() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  void BeginEvents() override;
  void AddEvents(vtkDataObject* input) override;
  int WriteEvents() override;

 private:
  vtkNVHepCNNWriter(const vtkNVHepCNNWriter&) = delete;
  void operator=(const vtkNVHepCNNWriter&) = delete;

  std::vector<std::string> ChannelArrays;
  std::string LabelArray = "Signal";
  bool NormalizeChannels = false;
  struct Events;
  std::unique_ptr<Events> Gathered;
};

#endif

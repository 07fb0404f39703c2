/**
 * @class vtkNVCaloGANWriter
 * @brief Writes calorimeter showers as a CaloGAN HDF5 file: `layer_0`
 * (N, 3, 96), `layer_1` (N, 12, 12), `layer_2` (N, 12, 6) float32 cell
 * energies in MeV, `overflow` (N, 3) and `energy` (N, 1) in GeV, plus
 * `particle` (N) int32 class ids when the events know their particle.
 *
 * The input is the "Events" output of SyntheticCalorimeter (CaloGAN mode) or
 * of the CaloGAN reader: per time step a multiblock of the three layers
 * (cell array `Energy`, field data `IncidentEnergy`, `Overflow`,
 * `ParticleType`), or a multiblock whose blocks are such events.
 */
#ifndef vtkNVCaloGANWriter_h
#define vtkNVCaloGANWriter_h

#include <memory>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkNVEventSeriesWriter.h"

class NEURALVIEWREADERS_EXPORT vtkNVCaloGANWriter : public vtkNVEventSeriesWriter {
 public:
  static vtkNVCaloGANWriter* New();
  vtkTypeMacro(vtkNVCaloGANWriter, vtkNVEventSeriesWriter);
  void PrintSelf(ostream& os, vtkIndent indent) override;

 protected:
  vtkNVCaloGANWriter();
  ~vtkNVCaloGANWriter() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  void BeginEvents() override;
  void AddEvents(vtkDataObject* input) override;
  int WriteEvents() override;

 private:
  vtkNVCaloGANWriter(const vtkNVCaloGANWriter&) = delete;
  void operator=(const vtkNVCaloGANWriter&) = delete;

  struct Events;
  std::unique_ptr<Events> Gathered;
};

#endif

/**
 * @class vtkNVSyntheticCalorimeterSource
 * @brief Seeded calorimeter events with physically shaped showers: single
 * particles in a CaloGAN-like three-layer calorimeter, or whole-detector
 * (eta, phi) images of RPV-SUSY-like multijet signal and QCD-like background.
 *
 * The physics lives in models/ (neuralview/calorimeter.h); this class turns
 * events into VTK data (see nvCaloImages.h for the arrays).
 *
 * Output ports:
 * - 0 "Events": CaloGAN mode: a multiblock of the three layers (cell array
 *   `Energy`, MeV) as slabs at their depths; detector mode: an image over
 *   (eta, phi) with cell arrays `ECAL`, `HCAL` (GeV) and `Tracks`;
 * - 1 "Network Input": one 2-D image per event for TrainNetwork and
 *   ApplyNetwork: CaloGAN mode, the layers on a common 12 x 12 grid (cell
 *   arrays `layer_0`, `layer_1`, `layer_2`); detector mode, the event image;
 * - 2 "Truth": the particle's axis, or the truth jets as circles.
 * Field data carry the labels (`ParticleType`, `Signal`), the incident
 * energy, weights, truth jets and the cut-based selection.
 *
 * Event i is drawn from (Seed, i) alone (time step or block k shows event FirstEvent + k). Events are time steps 0..N-1
 * (so TrainNetwork takes each step as a sample) or, with EventsAsBlocks, the blocks of one multiblock per port (so
 * ApplyNetwork scores all at once).
 */
#ifndef vtkNVSyntheticCalorimeterSource_h
#define vtkNVSyntheticCalorimeterSource_h

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkDataObjectAlgorithm.h"

class NEURALVIEWREADERS_EXPORT vtkNVSyntheticCalorimeterSource : public vtkDataObjectAlgorithm {
 public:
  static vtkNVSyntheticCalorimeterSource* New();
  vtkTypeMacro(vtkNVSyntheticCalorimeterSource, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  enum ModeType { CALOGAN = 0, DETECTOR = 1 };
  enum ParticleChoice { POSITRON = 0, PHOTON = 1, PION = 2, MIXED = 3 };

  /// CALOGAN (single-particle showers) or DETECTOR (whole-detector images). Default CALOGAN.
  vtkSetClampMacro(Mode, int, CALOGAN, DETECTOR);
  vtkGetMacro(Mode, int);

  vtkSetMacro(Seed, int);
  vtkGetMacro(Seed, int);

  /// Number of events (time steps, or blocks). Default 1.
  vtkSetClampMacro(NumberOfEvents, int, 1, 10000000);
  vtkGetMacro(NumberOfEvents, int);

  /// Index of the first event: the output holds events FirstEvent ... FirstEvent +
  /// NumberOfEvents - 1 of the sample (time step or block k is event FirstEvent + k),
  /// so any event of a large sample can be looked at alone. Default 0.
  vtkSetClampMacro(FirstEvent, int, 0, VTK_INT_MAX);
  vtkGetMacro(FirstEvent, int);

  /// Events as the blocks of one multiblock per port instead of time steps. Default off.
  vtkSetMacro(EventsAsBlocks, bool);
  vtkGetMacro(EventsAsBlocks, bool);
  vtkBooleanMacro(EventsAsBlocks, bool);

  /// CaloGAN mode: e+, gamma, pi+, or MIXED (each event one of the three). Default MIXED.
  vtkSetClampMacro(Particle, int, POSITRON, MIXED);
  vtkGetMacro(Particle, int);

  /// CaloGAN mode: incident energy range in GeV (uniform). Default 1-100.
  vtkSetClampMacro(MinimumEnergy, double, 0.01, 10000.0);
  vtkGetMacro(MinimumEnergy, double);
  vtkSetClampMacro(MaximumEnergy, double, 0.01, 10000.0);
  vtkGetMacro(MaximumEnergy, double);

  /// CaloGAN mode: electronic noise per cell in MeV. Default 0.5.
  vtkSetClampMacro(NoiseLevel, double, 0.0, 1000.0);
  vtkGetMacro(NoiseLevel, double);

  /// Detector mode: pixels along eta and phi (hep_cnn: 64 or 224). Default 64.
  vtkSetClampMacro(ImageSize, int, 4, 4096);
  vtkGetMacro(ImageSize, int);

  /// Detector mode: probability that an event is signal. Default 0.5.
  vtkSetClampMacro(SignalFraction, double, 0.0, 1.0);
  vtkGetMacro(SignalFraction, double);

  /// Detector mode: gluino mass (GeV). Default 1400.
  vtkSetClampMacro(GluinoMass, double, 100.0, 10000.0);
  vtkGetMacro(GluinoMass, double);

  /// Detector mode: lower edge of the QCD hard-scatter pt spectrum (GeV). Default 400.
  vtkSetClampMacro(BackgroundMinimumPt, double, 20.0, 5000.0);
  vtkGetMacro(BackgroundMinimumPt, double);

  /// Detector mode: anti-kt radius of the truth jets. Default 1.0.
  vtkSetClampMacro(JetRadius, double, 0.1, 2.0);
  vtkGetMacro(JetRadius, double);

 protected:
  vtkNVSyntheticCalorimeterSource();
  ~vtkNVSyntheticCalorimeterSource() override = default;

  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVSyntheticCalorimeterSource(const vtkNVSyntheticCalorimeterSource&) = delete;
  void operator=(const vtkNVSyntheticCalorimeterSource&) = delete;

  int Mode = CALOGAN;
  int Seed = 0;
  int NumberOfEvents = 1;
  int FirstEvent = 0;
  bool EventsAsBlocks = false;
  int Particle = MIXED;
  double MinimumEnergy = 1.0;
  double MaximumEnergy = 100.0;
  double NoiseLevel = 0.5;
  int ImageSize = 64;
  double SignalFraction = 0.5;
  double GluinoMass = 1400.0;
  double BackgroundMinimumPt = 400.0;
  double JetRadius = 1.0;
};

#endif

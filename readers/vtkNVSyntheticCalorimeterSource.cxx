#include "vtkNVSyntheticCalorimeterSource.h"

#include <stdexcept>

#include "neuralview/calorimeter.h"
#include "nvCaloImages.h"
#include "nvCaloSeries.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkMultiBlockDataSet.h"
#include "vtkObjectFactory.h"
#include "vtkPolyData.h"

vtkStandardNewMacro(vtkNVSyntheticCalorimeterSource);

vtkNVSyntheticCalorimeterSource::vtkNVSyntheticCalorimeterSource() {
  this->SetNumberOfInputPorts(0);
  this->SetNumberOfOutputPorts(3);
}

int vtkNVSyntheticCalorimeterSource::FillOutputPortInformation(int, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), "vtkDataObject");
  return 1;
}

int vtkNVSyntheticCalorimeterSource::RequestDataObject(vtkInformation*, vtkInformationVector**,
                                                       vtkInformationVector* outputVector) {
  const char* event = this->Mode == CALOGAN ? "vtkMultiBlockDataSet" : "vtkImageData";
  return nv::calo_request_data_object(outputVector, {event, "vtkImageData", "vtkPolyData"}, this->EventsAsBlocks);
}

int vtkNVSyntheticCalorimeterSource::RequestInformation(vtkInformation*, vtkInformationVector**,
                                                        vtkInformationVector* outputVector) {
  nv::calo_set_time_steps(outputVector, this->NumberOfEvents, this->EventsAsBlocks);
  if (this->Mode == CALOGAN) {
    nv::calo_set_image_extent(outputVector, 1, nv::calo::kStackedSide, nv::calo::kStackedSide, this->EventsAsBlocks);
  } else {
    for (int port : {0, 1})
      nv::calo_set_image_extent(outputVector, port, this->ImageSize, this->ImageSize, this->EventsAsBlocks);
  }
  return 1;
}

int vtkNVSyntheticCalorimeterSource::RequestData(vtkInformation* request, vtkInformationVector**,
                                                 vtkInformationVector* outputVector) {
  if (this->Mode == CALOGAN && this->MinimumEnergy > this->MaximumEnergy) {
    vtkErrorMacro(<< "MinimumEnergy (" << this->MinimumEnergy << " GeV) exceeds MaximumEnergy (" << this->MaximumEnergy
                  << " GeV)");
    return 0;
  }
  const uint64_t seed = static_cast<uint64_t>(static_cast<uint32_t>(this->Seed));
  if (static_cast<int64_t>(this->FirstEvent) + this->NumberOfEvents > VTK_INT_MAX) {
    vtkErrorMacro(<< "FirstEvent + NumberOfEvents exceeds the largest event index");
    return 0;
  }
  const int first = this->FirstEvent;
  std::function<nv::CaloEventObjects(int)> make;
  if (this->Mode == CALOGAN) {
    nv::calo::ShowerSampleOptions options;
    if (this->Particle != MIXED) options.particles = {static_cast<nv::calo::Particle>(this->Particle)};
    options.min_energy_gev = this->MinimumEnergy;
    options.max_energy_gev = this->MaximumEnergy;
    options.parameters.noise_mev = this->NoiseLevel;
    make = [options, seed, first](int k) {
      const int i = first + k;
      const nv::calo::Shower shower = nv::calo::sample_shower(options, seed, static_cast<uint64_t>(i));
      const int type = static_cast<int>(shower.particle);
      return nv::CaloEventObjects{nv::calo_layers(shower, type, i), nv::calo_stacked(shower, type, i),
                                  nv::calo_axis(shower, type, i)};
    };
  } else {
    nv::calo::DetectorOptions options;
    options.image_size = this->ImageSize;
    options.signal_fraction = this->SignalFraction;
    options.gluino_mass_gev = this->GluinoMass;
    options.background_min_pt_gev = this->BackgroundMinimumPt;
    options.jet_radius = this->JetRadius;
    make = [options, seed, first](int k) {
      const int i = first + k;
      const nv::calo::DetectorEvent event = nv::calo::sample_detector_event(options, seed, static_cast<uint64_t>(i));
      auto image = nv::detector_image(event, options.eta_max, i);
      return nv::CaloEventObjects{image, image, nv::jet_circles(event.jets, options.jet_radius)};
    };
  }
  const std::string problem =
      nv::calo_fill_outputs(this, request, outputVector, this->NumberOfEvents, this->EventsAsBlocks, make);
  if (!problem.empty()) {
    vtkErrorMacro(<< "cannot generate calorimeter events: " << problem);
    return 0;
  }
  return 1;
}

void vtkNVSyntheticCalorimeterSource::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Mode: " << (this->Mode == CALOGAN ? "CaloGAN" : "detector") << "\n";
  os << indent << "Seed: " << this->Seed << "\n" << indent << "NumberOfEvents: " << this->NumberOfEvents << "\n";
  os << indent << "FirstEvent: " << this->FirstEvent << "\n";
  os << indent << "EventsAsBlocks: " << this->EventsAsBlocks << "\n"
     << indent << "Particle: " << this->Particle << "\n";
  os << indent << "Energy: " << this->MinimumEnergy << "-" << this->MaximumEnergy << " GeV\n";
  os << indent << "ImageSize: " << this->ImageSize << "\n"
     << indent << "SignalFraction: " << this->SignalFraction << "\n";
}

// Output bookkeeping shared by the calorimeter sources and readers: events
// are either time steps (one event per step, t = 0, 1, ...) or the blocks of
// one vtkMultiBlockDataSet per output port. Every port shows the same event.
//
// In parallel, time-step events are produced by piece 0 only (other pieces
// get empty objects), and blocks are dealt round-robin to the pieces (the
// block structure is the same everywhere), so every event exists once
// whatever the number of processes.
#ifndef nvCaloSeries_h
#define nvCaloSeries_h

#include <functional>
#include <string>
#include <vector>

#include "vtkSmartPointer.h"

class vtkAlgorithm;
class vtkDataObject;
class vtkInformation;
class vtkInformationVector;

namespace nv {

// The objects of one event, one per output port (null: leave that port's block empty).
using CaloEventObjects = std::vector<vtkSmartPointer<vtkDataObject>>;

// Makes each output port hold an object of types[port] (e.g. "vtkImageData"),
// or a vtkMultiBlockDataSet when `blocks`.
int calo_request_data_object(vtkInformationVector* outputs, const std::vector<std::string>& types, bool blocks);

// Advertises `events` time steps (none when blocks or a single event).
void calo_set_time_steps(vtkInformationVector* outputs, int events, bool blocks);

// Advertises the whole extent of an image-data port holding cells_x x cells_y
// cells (one layer of points in z); without it ParaView's representations
// request an empty extent and draw nothing. No-op for block outputs.
void calo_set_image_extent(vtkInformationVector* outputs, int port, int cells_x, int cells_y, bool blocks);

// Fills every output port. make(i) returns the objects of event i; it may
// throw (the message is returned). Returns an empty string on success.
std::string calo_fill_outputs(vtkAlgorithm* algorithm, vtkInformation* request, vtkInformationVector* outputs,
                              int events, bool blocks, const std::function<CaloEventObjects(int)>& make);

}  // namespace nv

#endif

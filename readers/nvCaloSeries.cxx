#include "nvCaloSeries.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

#include "vtkAlgorithm.h"
#include "vtkDataObject.h"
#include "vtkDataObjectTypes.h"
#include "vtkDemandDrivenPipeline.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkMultiBlockDataSet.h"
#include "vtkStreamingDemandDrivenPipeline.h"

namespace nv {

int calo_request_data_object(vtkInformationVector* outputs, const std::vector<std::string>& types, bool blocks) {
  for (int port = 0; port < outputs->GetNumberOfInformationObjects(); ++port) {
    vtkInformation* info = outputs->GetInformationObject(port);
    const std::string type = blocks ? "vtkMultiBlockDataSet" : types.at(static_cast<size_t>(port));
    vtkDataObject* current = vtkDataObject::GetData(info);
    if (current && type == current->GetClassName()) continue;
    vtkSmartPointer<vtkDataObject> fresh;
    fresh.TakeReference(vtkDataObjectTypes::NewDataObject(type.c_str()));
    if (!fresh) return 0;
    info->Set(vtkDataObject::DATA_OBJECT(), fresh);
  }
  return 1;
}

void calo_set_time_steps(vtkInformationVector* outputs, int events, bool blocks) {
  for (int port = 0; port < outputs->GetNumberOfInformationObjects(); ++port) {
    vtkInformation* info = outputs->GetInformationObject(port);
    info->Remove(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
    info->Remove(vtkStreamingDemandDrivenPipeline::TIME_RANGE());
    if (blocks || events <= 1) continue;
    std::vector<double> times(static_cast<size_t>(events));
    for (int t = 0; t < events; ++t) times[static_cast<size_t>(t)] = t;
    info->Set(vtkStreamingDemandDrivenPipeline::TIME_STEPS(), times.data(), events);
    double range[2] = {0.0, static_cast<double>(events - 1)};
    info->Set(vtkStreamingDemandDrivenPipeline::TIME_RANGE(), range, 2);
  }
}

void calo_set_image_extent(vtkInformationVector* outputs, int port, int cells_x, int cells_y, bool blocks) {
  vtkInformation* info = outputs->GetInformationObject(port);
  if (!info) return;
  if (blocks) {
    info->Remove(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT());
    return;
  }
  int extent[6] = {0, cells_x, 0, cells_y, 0, 0};
  info->Set(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), extent, 6);
}

std::string calo_fill_outputs(vtkAlgorithm* algorithm, vtkInformation* request, vtkInformationVector* outputs,
                              int events, bool blocks, const std::function<CaloEventObjects(int)>& make) {
  const int ports = outputs->GetNumberOfInformationObjects();
  vtkInformation* first = outputs->GetInformationObject(0);
  int piece = 0, pieces = 1;
  if (first->Has(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER()))
    piece = first->Get(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER());
  if (first->Has(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES()))
    pieces = std::max(1, first->Get(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES()));
  try {
    if (blocks) {
      std::vector<vtkMultiBlockDataSet*> outs;
      for (int port = 0; port < ports; ++port) {
        auto* out = vtkMultiBlockDataSet::GetData(outputs, port);
        out->Initialize();
        out->SetNumberOfBlocks(static_cast<unsigned int>(std::max(events, 0)));
        outs.push_back(out);
      }
      for (int i = 0; i < events; ++i) {
        char name[32];
        std::snprintf(name, sizeof(name), "event_%06d", i);
        for (vtkMultiBlockDataSet* out : outs)
          out->GetMetaData(static_cast<unsigned int>(i))->Set(vtkCompositeDataSet::NAME(), name);
        if (i % pieces != piece) continue;
        if (algorithm->CheckAbort()) break;
        const CaloEventObjects objects = make(i);
        for (int port = 0; port < ports && port < static_cast<int>(objects.size()); ++port)
          outs[static_cast<size_t>(port)]->SetBlock(static_cast<unsigned int>(i), objects[static_cast<size_t>(port)]);
        if (i % 16 == 0) algorithm->UpdateProgress(static_cast<double>(i) / events);
      }
      return {};
    }
    // One event: the time step asked for by the port that made the request.
    int asking = request->Has(vtkDemandDrivenPipeline::FROM_OUTPUT_PORT())
                     ? request->Get(vtkDemandDrivenPipeline::FROM_OUTPUT_PORT())
                     : 0;
    if (asking < 0 || asking >= ports) asking = 0;
    vtkInformation* info = outputs->GetInformationObject(asking);
    int step = 0;
    if (events > 1 && info->Has(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP()))
      step = std::clamp(static_cast<int>(std::lround(info->Get(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP()))),
                        0, events - 1);
    CaloEventObjects objects;
    if (piece == 0 && events > 0) objects = make(step);
    for (int port = 0; port < ports; ++port) {
      vtkInformation* portInfo = outputs->GetInformationObject(port);
      vtkDataObject* out = vtkDataObject::GetData(portInfo);
      out->Initialize();
      if (port < static_cast<int>(objects.size()) && objects[static_cast<size_t>(port)])
        out->ShallowCopy(objects[static_cast<size_t>(port)]);
      if (events > 1) out->GetInformation()->Set(vtkDataObject::DATA_TIME_STEP(), step);
    }
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace nv

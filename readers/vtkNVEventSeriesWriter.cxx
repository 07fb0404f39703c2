#include "vtkNVEventSeriesWriter.h"

#include <exception>

#include "vtkDataObject.h"
#include "vtkErrorCode.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkMultiProcessController.h"
#include "vtkStreamingDemandDrivenPipeline.h"

vtkTypeBool vtkNVEventSeriesWriter::ProcessRequest(vtkInformation* request, vtkInformationVector** inputVector,
                                                   vtkInformationVector* outputVector) {
  vtkInformation* inInfo = inputVector && inputVector[0] ? inputVector[0]->GetInformationObject(0) : nullptr;
  if (request->Has(vtkDemandDrivenPipeline::REQUEST_INFORMATION())) {
    this->TimeSteps.clear();
    if (inInfo && this->WriteAllTimeSteps && inInfo->Has(vtkStreamingDemandDrivenPipeline::TIME_STEPS())) {
      const int n = inInfo->Length(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
      const double* steps = inInfo->Get(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
      this->TimeSteps.assign(steps, steps + n);
    }
    return 1;
  }
  if (request->Has(vtkStreamingDemandDrivenPipeline::REQUEST_UPDATE_EXTENT())) {
    if (inInfo && !this->TimeSteps.empty() && this->CurrentIndex < this->TimeSteps.size())
      inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP(), this->TimeSteps[this->CurrentIndex]);
    return 1;
  }
  if (request->Has(vtkDemandDrivenPipeline::REQUEST_DATA())) {
    if (this->CurrentIndex == 0) {
      this->Problem.clear();
      this->BeginEvents();
    }
    vtkDataObject* input = inInfo ? vtkDataObject::GetData(inInfo) : nullptr;
    if (this->Problem.empty()) {
      try {
        if (input) this->AddEvents(input);
      } catch (const std::exception& e) {
        this->Problem = e.what();
      }
    }
    if (this->Problem.empty() && this->CurrentIndex + 1 < this->TimeSteps.size()) {
      ++this->CurrentIndex;
      this->UpdateProgress(0.9 * this->CurrentIndex / this->TimeSteps.size());
      request->Set(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING(), 1);
      return 1;
    }
    request->Remove(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING());
    this->CurrentIndex = 0;
    if (this->Problem.empty() && this->FileName.empty()) this->Problem = "FileName is not set";
    vtkMultiProcessController* controller = vtkMultiProcessController::GetGlobalController();
    const bool writer = !controller || controller->GetLocalProcessId() == 0;
    if (this->Problem.empty() && writer) {
      try {
        this->NumberOfEventsWritten = this->WriteEvents();
      } catch (const std::exception& e) {
        this->Problem = e.what();
      }
    }
    this->BeginEvents();  // free the gathered events
    if (!this->Problem.empty()) {
      vtkErrorMacro(<< "cannot write " << this->FileName << ": " << this->Problem);
      this->SetErrorCode(vtkErrorCode::UserError);
      return 0;
    }
    this->SetErrorCode(vtkErrorCode::NoError);
    this->UpdateProgress(1.0);
    return 1;
  }
  return this->Superclass::ProcessRequest(request, inputVector, outputVector);
}

void vtkNVEventSeriesWriter::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "FileName: " << this->FileName << "\n"
     << indent << "WriteAllTimeSteps: " << this->WriteAllTimeSteps << "\n";
}

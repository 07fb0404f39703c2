/**
 * @class vtkNVEventSeriesWriter
 * @brief Base of writers that gather many events into one file: every time
 * step of the input (WriteAllTimeSteps, the default) or, for a composite
 * input, every block that is an event. The upstream pipeline runs once per
 * time step; the file is written after the last one, by the first process.
 *
 * Subclasses implement BeginEvents (reset), AddEvents (take the events of one
 * input object; throw std::exception with a clear message on bad input) and
 * WriteEvents (write the file; throw on failure).
 */
#ifndef vtkNVEventSeriesWriter_h
#define vtkNVEventSeriesWriter_h

#include <string>
#include <vector>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkWriter.h"

class NEURALVIEWREADERS_EXPORT vtkNVEventSeriesWriter : public vtkWriter {
 public:
  vtkTypeMacro(vtkNVEventSeriesWriter, vtkWriter);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  vtkSetStdStringFromCharMacro(FileName);
  vtkGetCharFromStdStringMacro(FileName);

  /// Write every time step of the input (on), or only the current one. Default on.
  vtkSetMacro(WriteAllTimeSteps, bool);
  vtkGetMacro(WriteAllTimeSteps, bool);
  vtkBooleanMacro(WriteAllTimeSteps, bool);

  /// Number of events in the last file written.
  vtkGetMacro(NumberOfEventsWritten, int);

  vtkTypeBool ProcessRequest(vtkInformation* request, vtkInformationVector** inputVector,
                             vtkInformationVector* outputVector) override;

 protected:
  vtkNVEventSeriesWriter() = default;
  ~vtkNVEventSeriesWriter() override = default;

  virtual void BeginEvents() = 0;
  virtual void AddEvents(vtkDataObject* input) = 0;
  virtual int WriteEvents() = 0;  // returns the number of events written

  void WriteData() override {}

  std::string FileName;
  bool WriteAllTimeSteps = true;
  int NumberOfEventsWritten = 0;

 private:
  vtkNVEventSeriesWriter(const vtkNVEventSeriesWriter&) = delete;
  void operator=(const vtkNVEventSeriesWriter&) = delete;

  std::vector<double> TimeSteps;
  size_t CurrentIndex = 0;
  std::string Problem;
};

#endif

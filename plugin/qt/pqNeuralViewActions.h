// The NeuralView toolbar of the ParaView GUI: buttons that open the linked
// representation views (neuralview.views) for the active source. Client-only:
// the plugin's server side and pvpython/pvbatch never create it.
#ifndef pqNeuralViewActions_h
#define pqNeuralViewActions_h

#include <QActionGroup>

class pqNeuralViewActions : public QActionGroup {
  Q_OBJECT
 public:
  explicit pqNeuralViewActions(QObject* parent);
  ~pqNeuralViewActions() override = default;

 private Q_SLOTS:
  void showEmbedding();
  void showFeatureMaps();
  // Gives the toolbar's buttons their actions' object names: GUI tests played back
  // with QtTesting address widgets by name (pqClientMainWindow/NeuralView/<name>).
  void nameToolButtons();

 private:
  // Runs Python in the GUI's interpreter; errors go to the Output Messages window.
  void runPython(const char* code);
};

#endif

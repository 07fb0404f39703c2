#include "pqNeuralViewActions.h"

#include "pqPVApplicationCore.h"
#include "pqPythonManager.h"

#include <QAction>
#include <QApplication>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

pqNeuralViewActions::pqNeuralViewActions(QObject* parent) : QActionGroup(parent) {
  this->setExclusive(false);
  QAction* embedding =
      this->addAction(new QAction(qApp->style()->standardIcon(QStyle::SP_FileDialogListView), "Embedding View", this));
  embedding->setObjectName("NeuralViewEmbeddingView");
  embedding->setToolTip("Show the active Embed Features output as a 2-D scatter linked to its field");
  QObject::connect(embedding, &QAction::triggered, this, &pqNeuralViewActions::showEmbedding);
  QAction* maps = this->addAction(
      new QAction(qApp->style()->standardIcon(QStyle::SP_FileDialogDetailedView), "Feature Maps", this));
  maps->setObjectName("NeuralViewFeatureMaps");
  maps->setToolTip("Show the channels of the active Network Activations output as tiles; click one to colour by it");
  QObject::connect(maps, &QAction::triggered, this, &pqNeuralViewActions::showFeatureMaps);
  // ParaView puts the actions on its toolbar right after constructing this group.
  QTimer::singleShot(0, this, &pqNeuralViewActions::nameToolButtons);
}

void pqNeuralViewActions::nameToolButtons() {
  for (QAction* action : this->actions()) {
    for (QWidget* widget : action->associatedWidgets()) {
      if (auto* button = qobject_cast<QToolButton*>(widget)) {
        button->setObjectName(action->objectName());
      }
    }
  }
}

void pqNeuralViewActions::showEmbedding() {
  this->runPython("from neuralview import views\nviews.show_embedding_for_active_source()\n");
}

void pqNeuralViewActions::showFeatureMaps() {
  this->runPython("from neuralview import views\nviews.show_feature_maps_for_active_source()\n");
}

void pqNeuralViewActions::runPython(const char* code) {
  pqPVApplicationCore* core = pqPVApplicationCore::instance();
  pqPythonManager* python = core ? core->pythonManager() : nullptr;
  if (python) {
    python->executeCode(QByteArray(code));
  }
}

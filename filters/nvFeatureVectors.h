// Feature vectors of samples, pixels or patches, shared by EmbedFeatures and
// ClusterFeatures.
//
// A feature vector is either a layer's activations of a network (ModelFile +
// Layer) or, without a model, the values of selected arrays. One row per
// sample (time step or block), per pixel (point or cell), or per patch, with
// what the views need to link a row back to the field: the sample index, the
// point index in the whole extent, a global id unique over samples and ranks,
// and the label, prediction and error where available.
#ifndef nvFeatureVectors_h
#define nvFeatureVectors_h

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

class vtkImageData;
class vtkMultiProcessController;
class vtkPointSet;

namespace nv {

class Communicator;

enum FeatureGranularity { per_sample = 0, per_pixel = 1, per_patch = 2 };

struct FeatureSettings {
  std::string model_file;                    // empty: features are the FeatureArrays' values
  std::string layer;                         // tensor name; empty: the bottleneck
  std::vector<std::string> channel_mapping;  // "ModelChannel=Array"
  std::vector<std::string> feature_arrays;   // without a model
  int granularity = per_sample;
  int patch_size = 0;  // 0: the layer's downsampling factor (model) or 8 (arrays)
  std::string label_array;
  std::string prediction_array = "Prediction";
  std::string error_array;
  bool point_input = false;  // rows from a point set: coordinates are features by default
};

// Rows of features with their bookkeeping. Label, prediction and error are
// NaN where unknown.
struct FeatureSet {
  size_t dimension = 0;
  std::vector<double> values;  // rows x dimension
  std::vector<int64_t> global_ids, sample_index, point_index;
  std::vector<double> label, prediction, error;
  std::vector<char> owned;  // 0 for copies of points another piece owns (shared boundaries, ghosts)
  bool has_label = false, has_prediction = false, has_error = false;

  size_t rows() const { return global_ids.size(); }
  void append_row(const FeatureSet& from, size_t row);
};

// How the rows of one sample map back onto its image, for writing results.
struct SampleRows {
  size_t first_row = 0, row_count = 0;
  int association = 0;  // vtkDataObject::FIELD_ASSOCIATION_POINTS or _CELLS
  int granularity = per_sample;
  int64_t patch_size = 0;
  std::vector<int64_t> tuple_row;  // per point/cell of the image: its row (relative), or -1
};

class FeatureExtractor {
 public:
  explicit FeatureExtractor(FeatureSettings settings);
  ~FeatureExtractor();

  // Appends the rows of one sample image. whole_extent: the extent of the
  // whole field (point indices are taken in it); null means the image's own.
  // Throws std::invalid_argument naming what is wrong with the input or model.
  SampleRows add_sample(vtkImageData* image, int64_t sample, const int* whole_extent, FeatureSet& rows);

  // Rows from the points of a point set (e.g. an EmbedFeatures output): the
  // coordinates, or the FeatureArrays' values when given; carried arrays
  // (GlobalIds, SampleIndex, PointIndex, Label, Prediction, Error) are kept.
  void add_points(vtkPointSet* points, int64_t id_offset, FeatureSet& rows);

  // The layer whose activations were used ("" without a model).
  const std::string& layer_used() const { return layer_used_; }

 private:
  struct Model;
  FeatureSettings settings_;
  std::unique_ptr<Model> model_;
  std::string layer_used_;
};

// Whether this piece owns each point (or cell) of an image: pieces share
// their boundary points and the piece above owns them; ghost points and cells
// belong to another piece. whole_extent null: the image's own.
std::vector<char> owned_tuples(vtkImageData* image, int association, const int* whole_extent);

// Rows owned by this piece whose seeded random key is among the `max_rows`
// smallest: a subsample that does not depend on how the data is split.
FeatureSet subsample_owned(const FeatureSet& rows, size_t max_rows, uint64_t seed);

// All ranks' rows on rank 0, sorted by global id (other ranks get none). A
// collective: every rank calls it, also with no rows. Throws when the
// ranks' feature dimensions differ.
FeatureSet gather_rows_to_root(const FeatureSet& local, vtkMultiProcessController* controller);

// subsample_owned on every rank, gathered to rank 0 and cut there again: rank 0
// gets the rows whose keys are the `max_rows` smallest over all ranks (each
// rank's own smallest include them), sorted by global id. A collective.
FeatureSet gather_subsample_to_root(const FeatureSet& rows, size_t max_rows, uint64_t seed,
                                    vtkMultiProcessController* controller);

// Broadcast of a vector of doubles from rank 0 (size included).
void broadcast_from_root(std::vector<double>& values, vtkMultiProcessController* controller);

// The global controller when it runs more than one process, else null.
vtkMultiProcessController* parallel_controller();

}  // namespace nv

#endif

// Finding the data arrays that feed a model's input channels.
//
// A model stores the names of its input channels. New data may call the same
// quantity differently (reanalyses write IWV or PREH2O for CAM5's TMQ), so
// matching tries, in order: an explicit user mapping, the same name, and a
// table of known synonyms.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace nv {

struct ChannelSource {
  std::string array;  // name of the data array
  int component = 0;  // component of a multi-component array
};

// available: array name -> number of components. mapping: model channel ->
// array name, from "Channel=Array" strings. A model channel "V_1" also
// matches component 1 of a multi-component array "V". Throws
// std::invalid_argument naming every channel that has no source and listing
// the available arrays.
std::vector<ChannelSource> match_channels(const std::vector<std::string>& model_channels,
                                          const std::map<std::string, int>& available,
                                          const std::map<std::string, std::string>& mapping);

// Parses "TMQ=IWV" style entries; throws std::invalid_argument on a malformed one.
std::map<std::string, std::string> parse_channel_mapping(const std::vector<std::string>& entries);

// Names that denote the same physical quantity as `name` (not including it).
std::vector<std::string> channel_synonyms(const std::string& name);

}  // namespace nv

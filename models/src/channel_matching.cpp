#include "neuralview/channel_matching.h"

#include <algorithm>
#include <stdexcept>

namespace nv {

namespace {

// Groups of names for one quantity across CAM5, ERA5/MERRA-2 and NCEP files.
const std::vector<std::vector<std::string>>& synonym_groups() {
  static const std::vector<std::vector<std::string>> groups = {
      {"TMQ", "PREH2O", "IWV", "TCWV", "tcwv", "pr_wtr", "TQV", "prw"},  // integrated water vapour
      {"PSL", "SLP", "MSL", "msl", "slp", "prmsl"},                      // sea-level pressure
      {"PS", "SP", "sp", "pres"},                                        // surface pressure
      {"TS", "SKT", "skt", "ts"},                                        // surface (skin) temperature
      {"PRECT", "TP", "tp", "pr", "PRECTOT"},                            // total precipitation
  };
  return groups;
}

}  // namespace

std::vector<std::string> channel_synonyms(const std::string& name) {
  for (const auto& group : synonym_groups())
    if (std::find(group.begin(), group.end(), name) != group.end()) {
      std::vector<std::string> others;
      for (const std::string& n : group)
        if (n != name) others.push_back(n);
      return others;
    }
  return {};
}

std::map<std::string, std::string> parse_channel_mapping(const std::vector<std::string>& entries) {
  std::map<std::string, std::string> mapping;
  for (const std::string& entry : entries) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size())
      throw std::invalid_argument("channel mapping '" + entry + "' is not of the form ModelChannel=Array");
    mapping[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return mapping;
}

std::vector<ChannelSource> match_channels(const std::vector<std::string>& model_channels,
                                          const std::map<std::string, int>& available,
                                          const std::map<std::string, std::string>& mapping) {
  auto find = [&](const std::string& name, ChannelSource& source) {
    auto it = available.find(name);
    if (it != available.end() && it->second == 1) {
      source = {name, 0};
      return true;
    }
    // "V_1": component 1 of a multi-component "V".
    const size_t underscore = name.rfind('_');
    if (underscore != std::string::npos && underscore + 1 < name.size()) {
      const std::string base = name.substr(0, underscore), index = name.substr(underscore + 1);
      if (index.find_first_not_of("0123456789") == std::string::npos) {
        auto b = available.find(base);
        const int component = std::stoi(index);
        if (b != available.end() && component < b->second) {
          source = {base, component};
          return true;
        }
      }
    }
    return false;
  };

  std::vector<ChannelSource> sources(model_channels.size());
  std::vector<std::string> missing;
  for (size_t c = 0; c < model_channels.size(); ++c) {
    const std::string& channel = model_channels[c];
    auto mapped = mapping.find(channel);
    bool found = false;
    if (mapped != mapping.end()) {
      found = find(mapped->second, sources[c]);
      if (!found) missing.push_back(channel + " (mapped to '" + mapped->second + "', which is not an array)");
      continue;
    }
    found = find(channel, sources[c]);
    for (const std::string& synonym : channel_synonyms(channel)) {
      if (found) break;
      found = find(synonym, sources[c]);
    }
    if (!found) missing.push_back(channel);
  }
  if (!missing.empty()) {
    std::string message = "the model's input channel";
    message += missing.size() > 1 ? "s " : " ";
    for (size_t i = 0; i < missing.size(); ++i) message += (i ? ", " : "") + missing[i];
    message += missing.size() > 1 ? " have" : " has";
    message += " no matching array; available: ";
    bool first = true;
    for (const auto& [name, components] : available) {
      message += (first ? "" : ", ") + name + (components > 1 ? "[" + std::to_string(components) + "]" : "");
      first = false;
    }
    message += ". Map names with ChannelMapping, e.g. TMQ=IWV";
    throw std::invalid_argument(message);
  }
  return sources;
}

}  // namespace nv

#include "tools/bench/oci_bundle.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace warren::bench {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// The object at `key` of `parent`, made (or turned into) an object if it is
// missing or something else.
Struct* Object(Struct* parent, const std::string& key) {
  Value& v = (*parent->mutable_fields())[key];
  if (!v.has_struct_value()) v.mutable_struct_value();
  return v.mutable_struct_value();
}

void SetString(Struct* s, const std::string& key, const std::string& value) {
  (*s->mutable_fields())[key].set_string_value(value);
}

void SetBool(Struct* s, const std::string& key, bool value) {
  (*s->mutable_fields())[key].set_bool_value(value);
}

void SetNumber(Struct* s, const std::string& key, double value) {
  (*s->mutable_fields())[key].set_number_value(value);
}

ListValue* List(Struct* s, const std::string& key) {
  ListValue* list = (*s->mutable_fields())[key].mutable_list_value();
  list->clear_values();
  return list;
}

void Remove(Struct* s, const std::string& key) {
  s->mutable_fields()->erase(key);
}

absl::StatusOr<std::string> ToJson(const Struct& s) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(s, &out, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("JSON output: ", std::string(status.message())));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> MakeBundleConfig(absl::string_view spec_json,
                                             const BundleOptions& options) {
  if (options.args.empty()) {
    return absl::InvalidArgumentError("bundle: no process args");
  }
  if (options.rootfs.empty() || options.rootfs[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "bundle: rootfs must be an absolute path: '", options.rootfs, "'"));
  }
  Struct spec;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      std::string(spec_json), &spec);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bundle: default spec is not a JSON object: ",
                     std::string(parsed.message())));
  }
  if (!spec.fields().contains("ociVersion")) {
    return absl::InvalidArgumentError("bundle: default spec has no ociVersion");
  }

  Struct* process = Object(&spec, "process");
  ListValue* args = List(process, "args");
  for (const std::string& a : options.args)
    args->add_values()->set_string_value(a);
  // No terminal: the benchmark captures stdout/stderr into files.
  SetBool(process, "terminal", false);
  Remove(process, "consoleSize");

  Struct* root = Object(&spec, "root");
  SetString(root, "path", options.rootfs);
  SetBool(root, "readonly", options.readonly_root);

  SetString(&spec, "hostname", options.hostname);

  Struct* linux_section = Object(&spec, "linux");
  Struct* memory = Object(Object(linux_section, "resources"), "memory");
  if (options.memory_limit > 0) {
    // Struct numbers are doubles; 2^53 bytes is far beyond any limit here.
    SetNumber(memory, "limit", static_cast<double>(options.memory_limit));
  } else {
    Remove(memory, "limit");
  }
  // Exactly the benchmark's namespaces, each new (no "path": joining a
  // namespace of the host or of another container is not measured).
  ListValue* namespaces = List(linux_section, "namespaces");
  for (const char* type : kBundleNamespaces) {
    Struct* ns = namespaces->add_values()->mutable_struct_value();
    SetString(ns, "type", type);
  }
  // Mappings need a user namespace, which the benchmark does not make
  // (`runc spec --rootless` adds them).
  Remove(linux_section, "uidMappings");
  Remove(linux_section, "gidMappings");
  if (!options.cgroups_path.empty()) {
    SetString(linux_section, "cgroupsPath", options.cgroups_path);
  }
  return ToJson(spec);
}

absl::StatusOr<std::string> MakeCniBridgeConfig(
    const CniBridgeOptions& options) {
  if (options.ipam_data_dir.empty() || options.ipam_data_dir[0] != '/') {
    return absl::InvalidArgumentError(
        "cni: ipam data dir must be an absolute path");
  }
  if (options.bridge.empty() || options.subnet.empty() ||
      options.network_name.empty()) {
    return absl::InvalidArgumentError("cni: bridge, subnet and name required");
  }
  Struct conf;
  SetString(&conf, "cniVersion", options.cni_version);
  SetString(&conf, "name", options.network_name);
  SetString(&conf, "type", "bridge");
  SetString(&conf, "bridge", options.bridge);
  SetBool(&conf, "isGateway", true);
  SetBool(&conf, "ipMasq", false);
  Struct* ipam = Object(&conf, "ipam");
  SetString(ipam, "type", "host-local");
  SetString(ipam, "subnet", options.subnet);
  SetString(ipam, "dataDir", options.ipam_data_dir);
  ListValue* routes = List(ipam, "routes");
  SetString(routes->add_values()->mutable_struct_value(), "dst", "0.0.0.0/0");
  return ToJson(conf);
}

}  // namespace warren::bench

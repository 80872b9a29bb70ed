#include "runtime/event_types.h"

#include <algorithm>

#include "runtime/container_id.h"

namespace warren::runtime {

bool IsEventType(absl::string_view type) {
  static constexpr const char* kTypes[] = {
      kEventCreated,     kEventStarted,   kEventExited,  kEventOom,
      kEventPaused,      kEventResumed,   kEventUpdated, kEventDeleted,
      kEventExecStarted, kEventExecExited};
  return std::any_of(std::begin(kTypes), std::end(kTypes),
                     [type](const char* t) { return type == t; });
}

v1::Event ContainerEvent(const std::string& key, absl::string_view type) {
  ScopedId scoped = SplitContainerKey(key);
  v1::Event event;
  event.set_container_id(scoped.id);
  event.set_tenant(scoped.tenant);
  event.set_type(std::string(type));
  return event;
}

v1::Event ExecEvent(const std::string& key, const std::string& exec_id,
                    absl::string_view type) {
  v1::Event event = ContainerEvent(key, type);
  event.set_exec_id(exec_id);
  return event;
}

std::vector<v1::Event> ExitEvents(const std::string& id,
                                  const v1::ExitStatus& exit) {
  std::vector<v1::Event> events;
  if (exit.oom_killed()) events.push_back(ContainerEvent(id, kEventOom));
  events.push_back(ContainerEvent(id, kEventExited));
  for (v1::Event& e : events) *e.mutable_exit() = exit;
  return events;
}

}  // namespace warren::runtime

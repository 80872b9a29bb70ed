// The lifecycle event types and how events are built, in one place, so the
// manager emits, the journal filters and the server validates the same
// names.
#ifndef WARREN_RUNTIME_EVENT_TYPES_H_
#define WARREN_RUNTIME_EVENT_TYPES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "proto/warren/v1/container.pb.h"
#include "proto/warren/v1/event.pb.h"

namespace warren::runtime {

inline constexpr char kEventCreated[] = "created";
inline constexpr char kEventStarted[] = "started";
inline constexpr char kEventExited[] = "exited";
inline constexpr char kEventOom[] = "oom";
inline constexpr char kEventPaused[] = "paused";
inline constexpr char kEventResumed[] = "resumed";
inline constexpr char kEventUpdated[] = "updated";
inline constexpr char kEventDeleted[] = "deleted";
// Emitted once Exec exists (not yet); accepted in filters already so
// clients written against the API keep working.
inline constexpr char kEventExecStarted[] = "exec_started";
inline constexpr char kEventExecExited[] = "exec_exited";

// True for every type name the API documents (for request validation).
bool IsEventType(absl::string_view type);

// An event of `type` for the container with key `key` (container_id.h):
// its container_id and tenant; the journal sets sequence and time.
v1::Event ContainerEvent(const std::string& key, absl::string_view type);

// The same for exec process `exec_id` of that container.
v1::Event ExecEvent(const std::string& key, const std::string& exec_id,
                    absl::string_view type);

// What a container's exit journals: "oom" first if the OOM killer struck,
// then "exited", both carrying `exit`.
std::vector<v1::Event> ExitEvents(const std::string& id,
                                  const v1::ExitStatus& exit);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_EVENT_TYPES_H_

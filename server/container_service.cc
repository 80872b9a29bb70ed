#include "server/container_service.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "runtime/container_id.h"
#include "runtime/log_reader.h"
#include "server/log.h"
#include "server/request_validation.h"
#include "server/status_convert.h"

namespace warren::server {
namespace {

absl::Status ValidId(const std::string& id) {
  return runtime::ValidateContainerId(id);
}

}  // namespace

grpc::Status ContainerService::Create(grpc::ServerContext*,
                                      const v1::CreateRequest* request,
                                      v1::CreateResponse* response) {
  if (absl::Status s = ValidateCreate(*request); !s.ok()) {
    return LoggedCall("create", request->id(), ToGrpcStatus(s));
  }
  absl::StatusOr<v1::Container> c =
      manager_->Create(request->id(), request->spec());
  if (!c.ok())
    return LoggedCall("create", request->id(), ToGrpcStatus(c.status()));
  *response->mutable_container() = *std::move(c);
  return LoggedCall("create", request->id(), grpc::Status::OK);
}

grpc::Status ContainerService::Start(grpc::ServerContext*,
                                     const v1::StartRequest* request,
                                     v1::StartResponse* response) {
  absl::StatusOr<v1::Container> c = manager_->Start(request->id());
  if (!c.ok())
    return LoggedCall("start", request->id(), ToGrpcStatus(c.status()));
  *response->mutable_container() = *std::move(c);
  return LoggedCall("start", request->id(), grpc::Status::OK);
}

grpc::Status ContainerService::Wait(grpc::ServerContext* context,
                                    const v1::WaitRequest* request,
                                    v1::WaitResponse* response) {
  if (absl::Status s = ValidateWait(*request); !s.ok()) return ToGrpcStatus(s);
  auto cancelled = [context] { return context->IsCancelled(); };
  absl::StatusOr<v1::ExitStatus> exit =
      request->exec_id().empty()
          ? manager_->Wait(request->id(), cancelled)
          : manager_->WaitExec(request->id(), request->exec_id(), cancelled);
  if (!exit.ok()) return ToGrpcStatus(exit.status());
  *response->mutable_status() = *std::move(exit);
  return grpc::Status::OK;
}

grpc::Status ContainerService::Kill(grpc::ServerContext*,
                                    const v1::KillRequest* request,
                                    v1::KillResponse*) {
  if (absl::Status s = ValidateKill(*request); !s.ok()) {
    return LoggedCall("kill", request->id(), ToGrpcStatus(s));
  }
  if (!request->exec_id().empty()) {
    return LoggedCall(
        "kill", absl::StrCat(request->id(), "/", request->exec_id()),
        ToGrpcStatus(manager_->KillExec(request->id(), request->exec_id(),
                                        request->signal())));
  }
  return LoggedCall("kill", request->id(),
                    ToGrpcStatus(manager_->Kill(
                        request->id(), request->signal(), request->all())));
}

grpc::Status ContainerService::Delete(grpc::ServerContext*,
                                      const v1::DeleteRequest* request,
                                      v1::DeleteResponse*) {
  return LoggedCall(
      "delete", request->id(),
      ToGrpcStatus(manager_->Delete(request->id(), request->force())));
}

grpc::Status ContainerService::List(grpc::ServerContext*,
                                    const v1::ListRequest* request,
                                    v1::ListResponse* response) {
  runtime::ListFilter filter;
  filter.labels.insert(request->label_selector().begin(),
                       request->label_selector().end());
  filter.state = request->state();
  for (v1::Container& c : manager_->List(filter)) {
    *response->add_containers() = std::move(c);
  }
  return grpc::Status::OK;
}

grpc::Status ContainerService::Inspect(grpc::ServerContext*,
                                       const v1::InspectRequest* request,
                                       v1::InspectResponse* response) {
  if (absl::Status s = ValidId(request->id()); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<v1::Container> c = manager_->Inspect(request->id());
  if (!c.ok()) return ToGrpcStatus(c.status());
  *response->mutable_container() = *std::move(c);
  return grpc::Status::OK;
}

// History, then with follow new output until the container has stopped
// and everything it wrote was sent, or the client cancels. The log is read
// at the client's pace: Write blocks while the client is behind.
grpc::Status ContainerService::Logs(
    grpc::ServerContext* context, const v1::LogsRequest* request,
    grpc::ServerWriter<v1::LogsResponse>* writer) {
  if (absl::Status s = ValidateLogs(*request); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<std::string> path = manager_->LogPath(request->id());
  if (!path.ok()) return ToGrpcStatus(path.status());
  absl::Time since = absl::InfinitePast();
  if (request->has_since()) {
    since = absl::FromUnixSeconds(request->since().seconds()) +
            absl::Nanoseconds(request->since().nanos());
  }
  auto emit = [writer](const runtime::LogRecord& r) {
    v1::LogsResponse out;
    *out.mutable_time() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
            absl::ToUnixNanos(r.time));
    out.set_stream(r.stream);
    out.set_data(r.content);
    out.set_line_end(r.line_end);
    return writer->Write(out);  // false: the client went away
  };
  size_t tail = static_cast<size_t>(request->tail());
  if (!request->follow()) {
    return ToGrpcStatus(runtime::ForEachLogRecord(*path, tail, since, emit));
  }
  const std::string& id = request->id();
  // The monitor writes the exit record after its last log write, so once
  // the container is STOPPED (or deleted) the log is complete.
  auto finished = [this, &id] {
    absl::StatusOr<v1::Container> c = manager_->Inspect(id);
    return absl::IsNotFound(c.status()) ||
           (c.ok() && c->state() == v1::STOPPED);
  };
  return ToGrpcStatus(runtime::FollowLogRecords(
      *path, tail, since, emit, [context] { return context->IsCancelled(); },
      finished));
}

// Replays the journal after request->after_sequence, then follows new
// events until the client cancels (or warrend shuts down).
grpc::Status ContainerService::Events(grpc::ServerContext* context,
                                      const v1::EventsRequest* request,
                                      grpc::ServerWriter<v1::Event>* writer) {
  if (absl::Status s = ValidateEvents(*request); !s.ok()) {
    return ToGrpcStatus(s);
  }
  runtime::EventFilter filter;
  filter.container_ids.insert(request->container_ids().begin(),
                              request->container_ids().end());
  filter.types.insert(request->types().begin(), request->types().end());
  absl::Status s = manager_->Events(
      filter, request->after_sequence(),
      [writer](const v1::Event& event) { return writer->Write(event); },
      [context] { return context->IsCancelled(); });
  return ToGrpcStatus(s);
}

grpc::Status ContainerService::Stats(grpc::ServerContext*,
                                     const v1::StatsRequest* request,
                                     v1::StatsResponse* response) {
  absl::StatusOr<runtime::CgroupStats> stats = manager_->Stats(request->id());
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  response->set_cpu_usage_ns(stats->cpu_usage_ns);
  response->set_memory_usage_bytes(stats->memory_usage_bytes);
  response->set_memory_peak_bytes(stats->memory_peak_bytes);
  response->set_memory_limit_bytes(stats->memory_limit_bytes);
  response->set_pids_current(stats->pids_current);
  response->set_pids_limit(stats->pids_limit);
  return grpc::Status::OK;
}

grpc::Status ContainerService::Pause(grpc::ServerContext*,
                                     const v1::PauseRequest* request,
                                     v1::PauseResponse*) {
  return LoggedCall("pause", request->id(),
                    ToGrpcStatus(manager_->Pause(request->id()).status()));
}

grpc::Status ContainerService::Resume(grpc::ServerContext*,
                                      const v1::ResumeRequest* request,
                                      v1::ResumeResponse*) {
  return LoggedCall("resume", request->id(),
                    ToGrpcStatus(manager_->Resume(request->id()).status()));
}

grpc::Status ContainerService::Update(grpc::ServerContext*,
                                      const v1::UpdateRequest* request,
                                      v1::UpdateResponse* response) {
  if (!request->has_resources()) {
    return LoggedCall("update", request->id(),
                      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "resources is required"));
  }
  absl::StatusOr<v1::Container> c =
      manager_->Update(request->id(), request->resources());
  if (!c.ok())
    return LoggedCall("update", request->id(), ToGrpcStatus(c.status()));
  *response->mutable_container() = *std::move(c);
  return LoggedCall("update", request->id(), grpc::Status::OK);
}

}  // namespace warren::server

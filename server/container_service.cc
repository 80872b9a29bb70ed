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

grpc::Status ContainerService::Create(grpc::ServerContext* context,
                                      const v1::CreateRequest* request,
                                      v1::CreateResponse* response) {
  const std::string& id = request->id();
  if (absl::Status s = ValidateCreate(*request); !s.ok()) {
    return LoggedCall("create", id, ToGrpcStatus(s));
  }
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok())
    return LoggedCall("create", id, ToGrpcStatus(scope.status()));
  absl::StatusOr<std::string> key = scope->Key(id);
  if (!key.ok()) return LoggedCall("create", id, ToGrpcStatus(key.status()));
  v1::TenantLimits limits = authorizer_->LimitsOf(scope->tenant);
  if (absl::Status s = limiter_->AdmitCreate(scope->tenant, limits); !s.ok()) {
    return LoggedCall("create", *key, ToGrpcStatus(s));
  }
  runtime::CreateLimits create_limits;
  create_limits.max_containers = limits.max_containers();
  absl::StatusOr<v1::Container> c =
      manager_->Create(*key, request->spec(), create_limits);
  if (!c.ok()) return LoggedCall("create", *key, ToGrpcStatus(c.status()));
  *response->mutable_container() = *std::move(c);
  return LoggedCall("create", *key, grpc::Status::OK);
}

grpc::Status ContainerService::Start(grpc::ServerContext* context,
                                     const v1::StartRequest* request,
                                     v1::StartResponse* response) {
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key = scope->Key(request->id());
  if (!key.ok())
    return LoggedCall("start", request->id(), ToGrpcStatus(key.status()));
  absl::StatusOr<v1::Container> c = manager_->Start(*key);
  if (!c.ok()) return LoggedCall("start", *key, ToGrpcStatus(c.status()));
  *response->mutable_container() = *std::move(c);
  return LoggedCall("start", *key, grpc::Status::OK);
}

grpc::Status ContainerService::Wait(grpc::ServerContext* context,
                                    const v1::WaitRequest* request,
                                    v1::WaitResponse* response) {
  if (absl::Status s = ValidateWait(*request); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key = scope->Key(request->id());
  if (!key.ok()) return ToGrpcStatus(key.status());
  auto cancelled = [context] { return context->IsCancelled(); };
  absl::StatusOr<v1::ExitStatus> exit =
      request->exec_id().empty()
          ? manager_->Wait(*key, cancelled)
          : manager_->WaitExec(*key, request->exec_id(), cancelled);
  if (!exit.ok()) return ToGrpcStatus(exit.status());
  *response->mutable_status() = *std::move(exit);
  return grpc::Status::OK;
}

grpc::Status ContainerService::Kill(grpc::ServerContext* context,
                                    const v1::KillRequest* request,
                                    v1::KillResponse*) {
  if (absl::Status s = ValidateKill(*request); !s.ok()) {
    return LoggedCall("kill", request->id(), ToGrpcStatus(s));
  }
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key = scope->Key(request->id());
  if (!key.ok()) return ToGrpcStatus(key.status());
  if (!request->exec_id().empty()) {
    return LoggedCall("kill", absl::StrCat(*key, "/", request->exec_id()),
                      ToGrpcStatus(manager_->KillExec(*key, request->exec_id(),
                                                      request->signal())));
  }
  return LoggedCall(
      "kill", *key,
      ToGrpcStatus(manager_->Kill(*key, request->signal(), request->all())));
}

grpc::Status ContainerService::Delete(grpc::ServerContext* context,
                                      const v1::DeleteRequest* request,
                                      v1::DeleteResponse*) {
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key = scope->Key(request->id());
  if (!key.ok())
    return LoggedCall("delete", request->id(), ToGrpcStatus(key.status()));
  return LoggedCall("delete", *key,
                    ToGrpcStatus(manager_->Delete(*key, request->force())));
}

grpc::Status ContainerService::List(grpc::ServerContext* context,
                                    const v1::ListRequest* request,
                                    v1::ListResponse* response) {
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  runtime::ListFilter filter;
  filter.labels.insert(request->label_selector().begin(),
                       request->label_selector().end());
  filter.state = request->state();
  filter.tenant = scope->ListTenant();
  for (v1::Container& c : manager_->List(filter)) {
    *response->add_containers() = std::move(c);
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ContainerService::Inspect(
    grpc::CallbackServerContext* context, const v1::InspectRequest* request,
    v1::InspectResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) {
    reactor->Finish(ToGrpcStatus(scope.status()));
    return reactor;
  }
  absl::StatusOr<std::string> key = scope->Key(request->id());
  if (!key.ok()) {
    reactor->Finish(ToGrpcStatus(key.status()));
    return reactor;
  }
  absl::StatusOr<v1::Container> c = manager_->Inspect(*key);
  if (c.ok()) *response->mutable_container() = *std::move(c);
  reactor->Finish(c.ok() ? grpc::Status::OK : ToGrpcStatus(c.status()));
  return reactor;
}

// History, then with follow new output until the container has stopped
// and everything it wrote was sent, or the client cancels. The log is read
// at the client's pace: Write blocks while the client is behind.
grpc::Status ContainerService::Logs(
    grpc::ServerContext* context, const v1::LogsRequest* request,
    grpc::ServerWriter<v1::LogsResponse>* writer) {
  if (absl::Status s = ValidateLogs(*request); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key = scope->Key(request->id());
  if (!key.ok()) return ToGrpcStatus(key.status());
  absl::StatusOr<std::string> path = manager_->LogPath(*key);
  if (!path.ok()) return ToGrpcStatus(path.status());
  absl::StatusOr<TenantLimiter::StreamSlot> slot = StreamSlotFor(*scope);
  if (!slot.ok()) return ToGrpcStatus(slot.status());
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
  // The monitor writes the exit record after its last log write, so once
  // the container is STOPPED (or deleted) the log is complete.
  auto finished = [this, &key] {
    absl::StatusOr<v1::Container> c = manager_->Inspect(*key);
    return absl::IsNotFound(c.status()) ||
           (c.ok() && c->state() == v1::STOPPED);
  };
  runtime::FollowOptions options;
  options.lost = [writer](uint64_t generations) {
    v1::LogsResponse gap;
    gap.mutable_gap()->set_lost_generations(generations);
    return writer->Write(gap);
  };
  return ToGrpcStatus(runtime::FollowLogRecords(
      *path, tail, since, emit, [context] { return context->IsCancelled(); },
      finished, options));
}

// Replays the journal after request->after_sequence, then follows new
// events until the client cancels (or warrend shuts down). Only the
// scope's tenant's events, unless an admin names no tenant.
grpc::Status ContainerService::Events(grpc::ServerContext* context,
                                      const v1::EventsRequest* request,
                                      grpc::ServerWriter<v1::Event>* writer) {
  if (absl::Status s = ValidateEvents(*request); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  runtime::EventFilter filter;
  if (!scope->all_tenants) filter.tenants.insert(scope->tenant);
  for (const std::string& id : request->container_ids()) {
    if (scope->all_tenants) {
      filter.container_ids.insert(id);
    } else {
      filter.container_keys.insert(runtime::ContainerKey(scope->tenant, id));
    }
  }
  filter.types.insert(request->types().begin(), request->types().end());
  absl::StatusOr<TenantLimiter::StreamSlot> slot = StreamSlotFor(*scope);
  if (!slot.ok()) return ToGrpcStatus(slot.status());
  absl::Status s = manager_->Events(
      filter, request->after_sequence(),
      [writer](const v1::Event& event) { return writer->Write(event); },
      [context] { return context->IsCancelled(); });
  return ToGrpcStatus(s);
}

grpc::Status ContainerService::Stats(grpc::ServerContext* context,
                                     const v1::StatsRequest* request,
                                     v1::StatsResponse* response) {
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key = scope->Key(request->id());
  if (!key.ok()) return ToGrpcStatus(key.status());
  absl::StatusOr<runtime::CgroupStats> stats = manager_->Stats(*key);
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  response->set_cpu_usage_ns(stats->cpu_usage_ns);
  response->set_memory_usage_bytes(stats->memory_usage_bytes);
  response->set_memory_peak_bytes(stats->memory_peak_bytes);
  response->set_memory_limit_bytes(stats->memory_limit_bytes);
  response->set_pids_current(stats->pids_current);
  response->set_pids_limit(stats->pids_limit);
  return grpc::Status::OK;
}

grpc::Status ContainerService::Pause(grpc::ServerContext* context,
                                     const v1::PauseRequest* request,
                                     v1::PauseResponse*) {
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key = scope->Key(request->id());
  if (!key.ok())
    return LoggedCall("pause", request->id(), ToGrpcStatus(key.status()));
  return LoggedCall("pause", *key,
                    ToGrpcStatus(manager_->Pause(*key).status()));
}

grpc::Status ContainerService::Resume(grpc::ServerContext* context,
                                      const v1::ResumeRequest* request,
                                      v1::ResumeResponse*) {
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key = scope->Key(request->id());
  if (!key.ok())
    return LoggedCall("resume", request->id(), ToGrpcStatus(key.status()));
  return LoggedCall("resume", *key,
                    ToGrpcStatus(manager_->Resume(*key).status()));
}

grpc::Status ContainerService::Update(grpc::ServerContext* context,
                                      const v1::UpdateRequest* request,
                                      v1::UpdateResponse* response) {
  if (!request->has_resources()) {
    return LoggedCall("update", request->id(),
                      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "resources is required"));
  }
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key = scope->Key(request->id());
  if (!key.ok())
    return LoggedCall("update", request->id(), ToGrpcStatus(key.status()));
  absl::StatusOr<v1::Container> c =
      manager_->Update(*key, request->resources());
  if (!c.ok()) return LoggedCall("update", *key, ToGrpcStatus(c.status()));
  *response->mutable_container() = *std::move(c);
  return LoggedCall("update", *key, grpc::Status::OK);
}

}  // namespace warren::server
